import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { DomainEvent } from "@blessed-horizon/contracts";
import { createEvent } from "@blessed-horizon/contracts";
import { migrateService, type Database } from "@blessed-horizon/service-kit";
import { countingStatements, testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TRUST_CONFIG, type TrustConfig } from "../domain/config.js";
import type { DonationAssessmentInput } from "../domain/input.js";
import { createAssessment } from "./assessments.js";
import { recordOutcome } from "./outcomes.js";
import { decideReview, listReviews, ReviewAlreadyDecidedError, ReviewNotFoundError } from "./reviews.js";
import { recordDonationAttempt } from "./signals.js";
import { liftSuspension, listSuspendedAssets, suspendAsset } from "./suspended.js";

const migrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url));
const usd = (amount: number) => ({ amount, currency: "USD" });
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(testDatabases())("trust-service database on $kind", (target) => {
  let db: Database;
  let events: DomainEvent[];
  let clock: Date;
  const deps = (config: TrustConfig = DEFAULT_TRUST_CONFIG) => ({
    db,
    config,
    now: () => clock,
    // decideReview's events; an assessment writes its own outbox row.
    writeEvent: (_tx: unknown, e: DomainEvent) => {
      events.push(e);
      return Promise.resolve();
    },
  });
  const donation = (over: Partial<DonationAssessmentInput> = {}): DonationAssessmentInput & { donationId: string } => ({
    kind: "donation",
    donationId: unique("don"),
    campaignId: unique("camp"),
    amount: usd(1000),
    email: `${unique("donor")}@example.org`,
    ip: "203.0.113.7",
    cardFingerprint: unique("card-fp"),
    ...over,
  });

  /** The trust.decision rows in event_outbox about this subject. */
  const decisions = async (subjectId: string) =>
    (await db.query<{ data: Record<string, unknown> | string }>("SELECT data FROM event_outbox WHERE type = 'trust.decision' ORDER BY position"))
      .rows.map((r) => (typeof r.data === "string" ? (JSON.parse(r.data) as Record<string, unknown>) : r.data))
      .filter((d) => d.subjectId === subjectId);

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
  });
  afterAll(async () => db?.close());
  beforeEach(() => {
    events = [];
    clock = new Date("2026-03-01T12:00:00Z");
  });

  it("allows an ordinary donation and writes trust.decision", async () => {
    const input = donation({ ip: "198.51.100.1" });
    const { assessment, created } = await createAssessment(deps(), input);
    expect(created).toBe(true);
    expect(assessment).toMatchObject({ score: 0, decision: "allow", reasons: [], subjectId: input.donationId, reviewId: null });
    expect(await decisions(input.donationId)).toEqual([expect.objectContaining({ assessmentId: assessment.id, decision: "allow", subjectId: input.donationId })]);
  });

  it("answers a repeated donation with its first assessment", async () => {
    const input = donation({ ip: "198.51.100.2" });
    const first = await createAssessment(deps(), input);
    const again = await createAssessment(deps(), input);
    expect(again).toEqual({ assessment: first.assessment, created: false });
    expect(await decisions(input.donationId)).toHaveLength(1);
  });

  it("assesses a donation in 2 statements and no transaction, a review one too, and opens its review", async () => {
    const { db: counted, statements } = countingStatements(db, "a donation's assessment needs no transaction");
    const ip = "192.0.2.60";
    const allowed = await createAssessment({ ...deps(), db: counted }, donation({ ip }));
    expect(allowed.assessment.decision).toBe("allow");
    expect(statements).toHaveLength(2);
    for (let i = 0; i < 4; i++) await createAssessment(deps(), donation({ ip }));
    statements.length = 0;
    const input = donation({ ip });
    const reviewed = await createAssessment({ ...deps(), db: counted }, input);
    expect(reviewed.assessment).toMatchObject({ decision: "review", reviewId: expect.any(String) });
    expect(statements).toHaveLength(2);
    expect(statements.filter((sql) => /^\s*(BEGIN|COMMIT)/i.test(sql))).toEqual([]);
    const open = await listReviews(db, { status: "open", limit: 500 });
    expect(open.find((r) => r.id === reviewed.assessment.reviewId)?.assessment.id).toBe(reviewed.assessment.id);
    expect(await decisions(input.donationId)).toEqual([expect.objectContaining({ assessmentId: reviewed.assessment.id, decision: "review" })]);
  });

  it("counts a donation whose attempt a crash left without an assessment once, as a clean assessment does", async () => {
    // Every velocity limit 1: a second attempt counted from this IP, donor or donor-to-campaign trips it.
    const strict: TrustConfig = { ...DEFAULT_TRUST_CONFIG, ipPerHour: 1, donorPerHour: 1, donorCampaignPerHour: 1, cardTestingMinAttempts: 2, cardTestingFailureRatio: 0.5 };
    const verdictOf = async (input: DonationAssessmentInput & { donationId: string }, crashed: boolean) => {
      // The card's one earlier attempt failed: with this one, 1 of 2 (card testing); counted twice, 1 of 3 (not).
      const earlier = { donationId: unique("earlier"), campaignId: unique("camp"), amount: usd(100), reason: "card_declined", cardFingerprint: input.cardFingerprint };
      await recordOutcome(db, "failed", earlier, clock.toISOString());
      // The first statement of an assessment alone, as a crash before the second leaves it.
      if (crashed) expect(await recordDonationAttempt(db, { id: randomUUID(), input }, strict, clock)).toBeDefined();
      const { assessment, created } = await createAssessment(deps(strict), input);
      expect(created).toBe(true);
      return { decision: assessment.decision, reasons: assessment.reasons };
    };
    const clean = await verdictOf(donation({ ip: "192.0.2.70" }), false);
    expect(clean).toEqual({ decision: "block", reasons: [expect.objectContaining({ code: "card_testing", message: "1 of 2 attempts with this card failed in 30 days" })] });
    const retried = donation({ ip: "192.0.2.71" });
    expect(await verdictOf(retried, true)).toEqual(clean);
    expect(await decisions(retried.donationId)).toHaveLength(1);
  });

  it("gives concurrent assessments of one donation one assessment and one trust.decision", async () => {
    const input = donation({ ip: "192.0.2.80" });
    const results = await Promise.all(Array.from({ length: 4 }, () => createAssessment(deps(), input)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.assessment.id)).size).toBe(1);
    expect(await decisions(input.donationId)).toHaveLength(1);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM trust_assessments WHERE kind = 'donation' AND subject_id = $1", [input.donationId]);
    expect(rows[0].n).toBe(1);
  });

  it("puts the 6th attempt from one IP within an hour in review, and forgets attempts older than an hour", async () => {
    const ip = "192.0.2.10";
    clock = new Date("2026-03-01T09:00:00Z");
    await createAssessment(deps(), donation({ ip })); // two hours before: does not count
    clock = new Date("2026-03-01T11:30:00Z");
    for (let i = 0; i < 5; i++) expect((await createAssessment(deps(), donation({ ip }))).assessment.decision).toBe("allow");
    const sixth = await createAssessment(deps(), donation({ ip }));
    expect(sixth.assessment).toMatchObject({ decision: "review", score: 65 });
    expect(sixth.assessment.reasons.map((r) => r.code)).toEqual(["ip_velocity"]);
    expect(sixth.assessment.reviewId).toEqual(expect.any(String));
    const open = await listReviews(db, { status: "open", limit: 500 });
    expect(open.map((r) => r.id)).toContain(sixth.assessment.reviewId);
  });

  it("reviews a donor's third attempt in an hour to one campaign, whatever the IP", async () => {
    const campaignId = unique("camp");
    const email = `${unique("eager")}@example.org`;
    const ips = ["192.0.2.21", "192.0.2.22", "192.0.2.23"];
    const decisions = [];
    for (const ip of ips) decisions.push((await createAssessment(deps(), donation({ campaignId, email, ip }))).assessment.decision);
    expect(decisions).toEqual(["allow", "allow", "review"]);
  });

  it("blocks card testing after 10 attempts with this card of which 80% failed, counting outcomes from events", async () => {
    const cardFingerprint = unique("testing-card");
    for (let i = 0; i < 9; i++) {
      const input = donation({ cardFingerprint, ip: `192.0.2.${100 + i}` });
      await createAssessment(deps(), input);
      await recordOutcome(db, "failed", { ...input, donationId: input.donationId, reason: "card_declined" }, clock.toISOString());
    }
    const tenth = await createAssessment(deps(), donation({ cardFingerprint, ip: "192.0.2.200" }));
    expect(tenth.assessment).toMatchObject({ decision: "block", score: 90 });
    expect(tenth.assessment.reasons[0]).toMatchObject({ code: "card_testing", message: "9 of 10 attempts with this card failed in 30 days" });
  });

  it("reviews a new donor's amount at the campaign's 95th percentile, not a returning donor's", async () => {
    const campaignId = unique("big");
    const regular = `${unique("regular")}@example.org`;
    for (let i = 1; i <= 20; i++) {
      await recordOutcome(db, "succeeded", { donationId: unique("hist"), campaignId, email: i === 1 ? regular : `${unique("d")}@example.org`, amount: usd(i * 100), tip: usd(0), fee: usd(0) }, "2026-02-01T00:00:00Z");
    }
    const newcomer = await createAssessment(deps(), donation({ campaignId, amount: usd(1900), ip: "192.0.2.31" }));
    expect(newcomer.assessment.reasons.map((r) => r.code)).toEqual(["amount_outlier"]);
    const small = await createAssessment(deps(), donation({ campaignId, amount: usd(1800), ip: "192.0.2.32" }));
    expect(small.assessment.decision).toBe("allow");
    const returning = await createAssessment(deps(), donation({ campaignId, amount: usd(5000), email: regular, ip: "192.0.2.33" }));
    expect(returning.assessment.decision).toBe("allow");
  });

  it("blocks a suspended email until the suspension is lifted", async () => {
    const email = `${unique("fraud")}@example.org`;
    const { asset, created } = await suspendAsset(db, { kind: "email", value: email, reason: "chargebacks", createdBy: "analyst" });
    expect(created).toBe(true);
    expect((await suspendAsset(db, { kind: "email", value: email, createdBy: "analyst" })).created).toBe(false);
    expect((await listSuspendedAssets(db, "email")).map((a) => a.value)).toContain(email);
    const blocked = await createAssessment(deps(), donation({ email, ip: "192.0.2.41" }));
    expect(blocked.assessment).toMatchObject({ decision: "block", score: 100 });
    expect(await liftSuspension(db, { id: asset.id })).toBe(true);
    expect(await liftSuspension(db, { id: asset.id })).toBe(false);
    expect((await createAssessment(deps(), donation({ email, ip: "192.0.2.42" }))).assessment.decision).toBe("allow");
  });

  it("settles a review once: approve emits allow, a second decision is refused", async () => {
    const ip = "192.0.2.50";
    for (let i = 0; i < 5; i++) await createAssessment(deps(), donation({ ip }));
    const last = (await createAssessment(deps(), donation({ ip }))).assessment;
    const reviewId = last.reviewId;
    if (reviewId === null) throw new Error(`expected a review, got ${last.decision}`);
    events = [];
    const review = await decideReview(deps(), reviewId, { decision: "approve", note: "known donor", decidedBy: "analyst" });
    expect(review).toMatchObject({ status: "approved", note: "known donor", decidedBy: "analyst" });
    expect(events[0]).toMatchObject({ type: "trust.decision", data: { assessmentId: last.id, decision: "allow", reasons: ["ip_velocity"] } });
    await expect(decideReview(deps(), reviewId, { decision: "reject", decidedBy: "analyst" })).rejects.toThrow(ReviewAlreadyDecidedError);
    await expect(decideReview(deps(), "00000000-0000-4000-8000-000000000000", { decision: "reject", decidedBy: "a" })).rejects.toThrow(ReviewNotFoundError);
  });

  it("reviews an organizer's 4th new campaign in a day; re-assessing one campaign counts once", async () => {
    const organizerId = unique("org");
    const decisions = [];
    for (const campaignId of ["a", "b", "c", "c", "d"].map((c) => `${organizerId}-${c}`)) {
      decisions.push((await createAssessment(deps(), { kind: "campaign", campaignId, organizerId })).assessment.decision);
    }
    expect(decisions).toEqual(["allow", "allow", "allow", "allow", "review"]);
  });

  it("records outcomes of donations it never assessed", async () => {
    const event = createEvent("donation.failed", { donationId: unique("x"), campaignId: "c", amount: usd(5), reason: "card_declined", cardFingerprint: "fp-unseen-123" });
    await recordOutcome(db, "failed", event.data, event.occurredAt);
    await recordOutcome(db, "failed", event.data, event.occurredAt);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM trust_attempts WHERE card_fingerprint = 'fp-unseen-123' AND outcome = 'failed'");
    expect(rows[0].n).toBe(1);
  });
});
