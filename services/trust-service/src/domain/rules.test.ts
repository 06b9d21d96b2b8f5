import { describe, expect, it } from "vitest";
import { DEFAULT_TRUST_CONFIG } from "./config.js";
import { AssessmentRequestSchema, normalizeAsset } from "./input.js";
import { assess, decide, type DonationSignals } from "./rules.js";

const clean: DonationSignals = {
  kind: "donation",
  suspended: { card: false, email: false, ip: false },
  ipAttemptsLastHour: 1,
  donorAttemptsLastHour: 1,
  donorCampaignAttemptsLastHour: 1,
  cardAttempts: 1,
  cardFailures: 0,
  amount: 1000,
  campaignPercentileAmount: null,
  newDonor: true,
};
const codes = (s: Partial<DonationSignals>) => assess({ ...clean, ...s }, DEFAULT_TRUST_CONFIG).reasons.map((r) => r.code);

describe("donation rules", () => {
  it("allows an ordinary donation with score 0", () => {
    expect(assess(clean, DEFAULT_TRUST_CONFIG)).toEqual({ score: 0, decision: "allow", reasons: [] });
  });

  it("trips IP velocity only above 5 attempts an hour", () => {
    expect(codes({ ipAttemptsLastHour: 5 })).toEqual([]);
    expect(codes({ ipAttemptsLastHour: 6 })).toEqual(["ip_velocity"]);
  });

  it("trips donor velocity above 10 an hour and above 2 to one campaign", () => {
    expect(codes({ donorAttemptsLastHour: 10, donorCampaignAttemptsLastHour: 2 })).toEqual([]);
    expect(codes({ donorAttemptsLastHour: 11 })).toEqual(["donor_velocity"]);
    expect(codes({ donorCampaignAttemptsLastHour: 3 })).toEqual(["donor_campaign_velocity"]);
    expect(codes({ donorAttemptsLastHour: null, donorCampaignAttemptsLastHour: null })).toEqual([]);
  });

  it("detects card testing at >= 10 attempts with >= 80% failures", () => {
    expect(codes({ cardAttempts: 10, cardFailures: 8 })).toEqual(["card_testing"]);
    expect(codes({ cardAttempts: 10, cardFailures: 7 })).toEqual([]);
    expect(codes({ cardAttempts: 9, cardFailures: 9 })).toEqual([]);
  });

  it("flags a new donor's amount at or above the campaign percentile, not a returning donor's", () => {
    expect(codes({ amount: 5000, campaignPercentileAmount: 5000 })).toEqual(["amount_outlier"]);
    expect(codes({ amount: 4999, campaignPercentileAmount: 5000 })).toEqual([]);
    expect(codes({ amount: 9000, campaignPercentileAmount: 5000, newDonor: false })).toEqual([]);
  });

  it("reviews one velocity hit, blocks two, blocks any suspended asset", () => {
    expect(assess({ ...clean, ipAttemptsLastHour: 6 }, DEFAULT_TRUST_CONFIG).decision).toBe("review");
    const both = assess({ ...clean, ipAttemptsLastHour: 6, donorCampaignAttemptsLastHour: 3 }, DEFAULT_TRUST_CONFIG);
    expect(both).toMatchObject({ score: 100, decision: "block" });
    const suspended = assess({ ...clean, suspended: { card: true, email: true, ip: false } }, DEFAULT_TRUST_CONFIG);
    expect(suspended.decision).toBe("block");
    expect(suspended.reasons.map((r) => r.code)).toEqual(["suspended_card", "suspended_email"]);
    expect(suspended.reasons[0].message).toBe("the card is suspended");
  });
});

describe("campaign rules", () => {
  it("reviews an organizer publishing more than 3 campaigns a day, blocks a suspended email", () => {
    const base = { kind: "campaign" as const, suspended: { card: false, email: false, ip: false }, organizerAssessmentsLastDay: 3 };
    expect(assess(base, DEFAULT_TRUST_CONFIG).decision).toBe("allow");
    expect(assess({ ...base, organizerAssessmentsLastDay: 4 }, DEFAULT_TRUST_CONFIG).reasons[0].code).toBe("organizer_velocity");
    expect(assess({ ...base, suspended: { ...base.suspended, email: true } }, DEFAULT_TRUST_CONFIG).decision).toBe("block");
  });
});

describe("thresholds", () => {
  it("reviews from 65 and blocks from 75 by default", () => {
    expect([64, 65, 74, 75].map((s) => decide(s, DEFAULT_TRUST_CONFIG))).toEqual(["allow", "review", "review", "block"]);
  });
});

describe("input", () => {
  it("spells one address one way, so a dual-stack server's IPv4-mapped address counts with its IPv4 form", () => {
    const parse = (ip: string) =>
      AssessmentRequestSchema.parse({ kind: "donation", campaignId: "c", amount: { amount: 1, currency: "EUR" }, ip, cardFingerprint: "fingerprint" }).ip;
    expect(parse("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(parse("2001:DB8::1")).toBe("2001:db8::1");
    expect(normalizeAsset("ip", "::FFFF:198.51.100.4")).toBe("198.51.100.4");
    expect(normalizeAsset("email", " Eve@Example.ORG ")).toBe("eve@example.org");
  });
});
