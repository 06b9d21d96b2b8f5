import { createEvent } from "@blessed-horizon/contracts";
import { describe, expect, it } from "vitest";
import { planNotifications } from "./plan.js";
import { applyPreferences, chooseChannels, defaultPreferences, MandatoryCategoryError, PreferencesUpdateSchema } from "./preferences.js";
import { afterFailure, DEFAULT_RETRY } from "./retry.js";
import { signUnsubscribeToken, signWebhook, verifyUnsubscribeToken, verifyWebhook } from "./signing.js";
import { render, TEMPLATE_NAMES, TemplateVariableError } from "./templates.js";

const eur = (amount: number) => ({ amount, currency: "EUR" });

describe("planning", () => {
  it("sends the donor a receipt and the organizer a notice for a donation", () => {
    const event = createEvent("donation.succeeded", { donationId: "d1", campaignId: "c1", organizerId: "org1", email: "Ana@Example.org", amount: eur(2500), tip: eur(0), fee: eur(0) });
    expect(planNotifications(event)).toEqual([
      { recipientId: "ana@example.org", email: "ana@example.org", category: "receipt", template: "donation_receipt", vars: { amount: "25.00 EUR", campaignId: "c1", donationId: "d1" } },
      { recipientId: "org1", email: null, category: "organizer_notice", template: "donation_received", vars: { amount: "25.00 EUR", campaignId: "c1", donationId: "d1" } },
    ]);
  });

  it("plans refund receipts, goal reached and suspension notices, and ignores other events", () => {
    const refund = createEvent("donation.refunded", { donationId: "d", campaignId: "c", donorId: "u1", organizerId: "o", refundId: "r", amount: eur(500), totalRefunded: eur(500), captured: eur(2500) });
    expect(planNotifications(refund).map((i) => [i.recipientId, i.template])).toEqual([["u1", "refund_receipt"], ["o", "donation_refunded"]]);
    const goal = createEvent("campaign.goal_reached", { campaignId: "c", organizerId: "o", goal: eur(100), raised: eur(120) });
    expect(planNotifications(goal)[0]).toMatchObject({ category: "goal_reached", vars: { title: "c", raised: "1.20 EUR" } });
    const suspended = createEvent("campaign.suspended", { campaignId: "c", organizerId: "o" });
    expect(planNotifications(suspended)[0]).toMatchObject({ category: "campaign_suspended", vars: { reason: "-" } });
    expect(planNotifications(createEvent("campaign.paused", { campaignId: "c", organizerId: "o" }))).toEqual([]);
  });
});

describe("templates", () => {
  it("renders every template in English and German with its version", () => {
    const vars = { amount: "1.00 EUR", campaignId: "c", donationId: "d", title: "t", goal: "g", raised: "r", reason: "x" };
    for (const name of TEMPLATE_NAMES) {
      for (const locale of ["en", "de"]) {
        const m = render(name, locale, vars);
        expect(m.subject).not.toMatch(/\{\{/);
        expect(m.text).not.toMatch(/\{\{/);
        expect(m.version).toBe(1);
      }
    }
    expect(render("donation_receipt", "de-AT", vars).subject).toBe("Vielen Dank für Ihre Spende von 1.00 EUR");
    expect(render("donation_receipt", "fr", vars).locale).toBe("en");
  });

  it("refuses to render with a missing value", () => {
    expect(() => render("goal_reached", "en", { title: "t" })).toThrow(TemplateVariableError);
  });
});

describe("preferences", () => {
  it("sends on every enabled channel that has an address", () => {
    const prefs = defaultPreferences();
    expect(chooseChannels(prefs, "organizer_notice", null)).toEqual({ channels: ["in_app"], email: null });
    const withHook = applyPreferences(prefs, { email: "org@example.org", webhookUrl: "https://hooks.example.org/bh" });
    expect(chooseChannels(withHook, "goal_reached", null).channels).toEqual(["email", "in_app", "webhook"]);
    const quiet = applyPreferences(withHook, { channels: { goal_reached: { email: false, webhook: false } } });
    expect(chooseChannels(quiet, "goal_reached", null).channels).toEqual(["in_app"]);
    expect(chooseChannels(quiet, "organizer_notice", null).channels).toEqual(["email", "in_app", "webhook"]);
  });

  it("never turns receipts off", () => {
    expect(() => applyPreferences(defaultPreferences(), { channels: { receipt: { email: false } } })).toThrow(MandatoryCategoryError);
    const stored = { ...defaultPreferences(), channels: { ...defaultPreferences().channels, receipt: { email: false, in_app: false, webhook: false } } };
    expect(chooseChannels(stored, "receipt", "d@example.org").channels).toEqual(["email", "in_app"]);
  });

  it("validates updates", () => {
    expect(PreferencesUpdateSchema.safeParse({ webhookUrl: "ftp://x.example.org" }).success).toBe(false);
    expect(PreferencesUpdateSchema.safeParse({ channels: { spam: { email: true } } }).success).toBe(false);
    expect(PreferencesUpdateSchema.safeParse({ locale: "de", email: null }).success).toBe(true);
  });
});

describe("retries", () => {
  it("backs off exponentially with full jitter and dead-letters after the 8th attempt", () => {
    expect(afterFailure(1, DEFAULT_RETRY, () => 0.999)).toEqual({ retryInMs: 999 });
    expect(afterFailure(4, DEFAULT_RETRY, () => 0.5)).toEqual({ retryInMs: 4000 });
    expect(afterFailure(3, DEFAULT_RETRY, () => 0)).toEqual({ retryInMs: 0 });
    expect(afterFailure(7, { ...DEFAULT_RETRY, maxMs: 10_000 }, () => 0.999)).toEqual({ retryInMs: 9990 });
    expect(afterFailure(8)).toEqual({ deadLetter: true });
  });
});

describe("signing", () => {
  it("round-trips unsubscribe tokens and rejects forged ones", () => {
    const token = signUnsubscribeToken("s3cret", { recipientId: "org1", category: "goal_reached" });
    expect(verifyUnsubscribeToken("s3cret", token)).toEqual({ recipientId: "org1", category: "goal_reached" });
    expect(verifyUnsubscribeToken("other", token)).toBeNull();
    const forged = `${Buffer.from('{"r":"victim","c":"goal_reached"}').toString("base64url")}.${token.split(".")[1]}`;
    expect(verifyUnsubscribeToken("s3cret", forged)).toBeNull();
    expect(verifyUnsubscribeToken("s3cret", "garbage")).toBeNull();
  });

  it("signs webhooks in Stripe's scheme with a 300 s tolerance", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const header = signWebhook("whsec", '{"a":1}', now);
    expect(header).toMatch(/^t=1767225600,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook("whsec", '{"a":1}', header, now)).toBe(true);
    expect(verifyWebhook("whsec", '{"a":2}', header, now)).toBe(false);
    expect(verifyWebhook("whsec", '{"a":1}', header, new Date(now.getTime() + 301_000))).toBe(false);
  });
});
