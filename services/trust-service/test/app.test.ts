import { createEvent } from "@blessed-horizon/contracts";
import { migrateService, type Database } from "@blessed-horizon/service-kit";
import { bearer, countingStatements, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { trustTestConfig } from "./helpers.js";
import { handleEvent } from "../src/consumers/trust-signals.js";
import { DEFAULT_TRUST_CONFIG } from "../src/domain/config.js";

const usd = (amount: number) => ({ amount, currency: "USD" });
let n = 0;
const id = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

describe.each(testDatabases())("trust-service HTTP on $kind", (target) => {
  let db: Database;
  let app: FastifyInstance;
  let analyst: Record<string, string>;
  let payment: Record<string, string>;
  let pokes = 0;

  const donation = (over: Record<string, unknown> = {}) => ({
    kind: "donation",
    donationId: id("don"),
    campaignId: id("camp"),
    amount: usd(2500),
    email: `${id("d")}@example.org`,
    ip: "203.0.113.9",
    cardFingerprint: id("fingerprint"),
    ...over,
  });
  const assess = (body: unknown, headers = payment) => app.inject({ method: "POST", url: "/api/v1/assessments", headers, payload: body as object });
  const outbox = async (type: string) =>
    (await db.query<{ data: Record<string, unknown> }>("SELECT data FROM event_outbox WHERE type = $1 ORDER BY position", [type])).rows.map((r) => r.data);

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    app = await buildApp({ config: trustTestConfig(), db, onEvent: () => void pokes++ });
    analyst = await bearer({ sub: "analyst-1", roles: ["trust"] });
    payment = await bearer({ sub: "payment-service", roles: ["admin"] });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("answers payment-service's contract and publishes trust.decision through the outbox", async () => {
    const body = donation({ ip: "::ffff:127.0.0.1" });
    const res = await assess(body);
    expect(res.statusCode).toBe(201);
    const verdict = res.json();
    expect(verdict).toMatchObject({ id: expect.any(String), score: 0, decision: "allow", reasons: [], subjectId: body.donationId });
    expect(await outbox("trust.decision")).toContainEqual(expect.objectContaining({ assessmentId: verdict.id, decision: "allow" }));
    expect(pokes).toBeGreaterThan(0);
    const again = await assess(body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(verdict.id);
    const fetched = await app.inject({ url: `/api/v1/assessments/${verdict.id}`, headers: analyst });
    expect(fetched.json()).toEqual(verdict);
  });

  it("refuses callers without a token or the trust role", async () => {
    expect((await assess(donation(), {})).statusCode).toBe(401);
    const donor = await bearer({ sub: "u1", roles: ["donor"] });
    const res = await assess(donation(), donor);
    expect(res.statusCode).toBe(403);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect((await app.inject({ url: "/api/v1/reviews", headers: donor })).statusCode).toBe(403);
  });

  it("answers bad input with 400 problem+json naming the field", async () => {
    const cases: [unknown, string][] = [
      [donation({ ip: "not-an-ip" }), "/ip"],
      [donation({ amount: { amount: 10.5, currency: "USD" } }), "/amount/amount"],
      [donation({ campaignId: undefined }), "/campaignId"],
      [donation({ surprise: true }), ""],
      [{ kind: "wire" }, "/kind"],
      [{ kind: "campaign", campaignId: "c" }, "/organizerId"],
    ];
    for (const [body, path] of cases) {
      const res = await assess(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain(path);
    }
    const malformed = await app.inject({ method: "POST", url: "/api/v1/assessments", headers: { ...payment, "content-type": "application/json" }, payload: "{" });
    expect(malformed.statusCode).toBe(400);
    expect((await app.inject({ url: "/api/v1/assessments/nope", headers: analyst })).statusCode).toBe(400);
    expect((await app.inject({ url: "/api/v1/assessments/00000000-0000-4000-8000-000000000000", headers: analyst })).statusCode).toBe(404);
    expect((await app.inject({ url: "/api/v1/reviews?status=maybe", headers: analyst })).statusCode).toBe(400);
    expect((await app.inject({ url: "/api/v1/reviews?limit=0", headers: analyst })).statusCode).toBe(400);
  });

  it("answers strings PostgreSQL cannot store with 400, not 500", async () => {
    for (const body of [donation({ donationId: "a\u0000b" }), donation({ campaignId: "a\ud800b" }), donation({ cardFingerprint: "fingerprint\u0000" })]) {
      expect((await assess(body)).statusCode).toBe(400);
    }
    const suspend = await app.inject({ method: "POST", url: "/api/v1/suspended-assets", headers: analyst, payload: { kind: "card_fingerprint", value: "card\u0000" } });
    expect(suspend.statusCode).toBe(400);
    expect((await app.inject({ method: "DELETE", url: "/api/v1/suspended-assets?kind=card_fingerprint&value=%00", headers: analyst })).statusCode).toBe(400);
  });

  it("holds the 6th donation an hour from one IP for review; an analyst approves it once", async () => {
    const ip = "198.51.100.77";
    for (let i = 0; i < 5; i++) await assess(donation({ ip }));
    const last = (await assess(donation({ ip }))).json<{ id: string; decision: string }>();
    expect(last).toMatchObject({ decision: "review", score: 65, reasons: [{ code: "ip_velocity" }] });
    const queue = (await app.inject({ url: "/api/v1/reviews?status=open", headers: analyst })).json<{ items: { id: string; assessment: { id: string } }[] }>();
    const review = queue.items.find((r) => r.assessment.id === last.id)!;
    expect(review).toMatchObject({ status: "open", assessment: { decision: "review" } });

    const decide = (body: unknown, reviewId = review.id) =>
      app.inject({ method: "POST", url: `/api/v1/reviews/${reviewId}/decision`, headers: analyst, payload: body as object });
    expect((await decide({ decision: "maybe" })).statusCode).toBe(400);
    expect((await decide({ decision: "approve" }, "00000000-0000-4000-8000-000000000000")).statusCode).toBe(404);
    const approved = await decide({ decision: "approve", note: "regular donor on a shared network" });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: "approved", decidedBy: "analyst-1" });
    const twice = await decide({ decision: "reject" });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe("BH_REVIEW_DECIDED");
    expect(await outbox("trust.decision")).toContainEqual(expect.objectContaining({ assessmentId: last.id, decision: "allow", reasons: ["ip_velocity"] }));
    const openNow = (await app.inject({ url: "/api/v1/reviews?status=open", headers: analyst })).json<{ items: { id: string }[] }>().items;
    expect(openNow.map((r) => r.id)).not.toContain(review.id);
    expect((await app.inject({ url: `/api/v1/reviews/${review.id}`, headers: analyst })).json().status).toBe("approved");
  });

  it("blocks a suspended card until the suspension is lifted", async () => {
    const fp = id("stolen-card");
    const suspend = (body: unknown) => app.inject({ method: "POST", url: "/api/v1/suspended-assets", headers: analyst, payload: body as object });
    const created = await suspend({ kind: "card_fingerprint", value: fp, reason: "reported stolen" });
    expect(created.statusCode).toBe(201);
    expect((await suspend({ kind: "card_fingerprint", value: fp })).statusCode).toBe(200);
    expect((await suspend({ kind: "email", value: "not-an-email" })).statusCode).toBe(400);
    expect((await suspend({ kind: "ip", value: "300.1.1.1" })).statusCode).toBe(400);
    expect((await suspend({ kind: "phone", value: "123" })).statusCode).toBe(400);

    const blocked = (await assess(donation({ cardFingerprint: fp, ip: "198.51.100.90" }))).json();
    expect(blocked).toMatchObject({ decision: "block", score: 100, reasons: [{ code: "suspended_card", message: "the card is suspended" }] });

    const list = (await app.inject({ url: "/api/v1/suspended-assets?kind=card_fingerprint", headers: analyst })).json<{ items: { value: string }[] }>();
    expect(list.items.map((a) => a.value)).toContain(fp);
    const del = await app.inject({ method: "DELETE", url: `/api/v1/suspended-assets/${created.json().id}`, headers: analyst });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ method: "DELETE", url: `/api/v1/suspended-assets/${created.json().id}`, headers: analyst })).statusCode).toBe(404);
    expect((await assess(donation({ cardFingerprint: fp, ip: "198.51.100.91" }))).json().decision).toBe("allow");

    await suspend({ kind: "email", value: "Mallory@Example.org" });
    const byValue = await app.inject({ method: "DELETE", url: "/api/v1/suspended-assets?kind=email&value=mallory@example.org", headers: analyst });
    expect(byValue.statusCode).toBe(204);
    expect((await app.inject({ method: "DELETE", url: "/api/v1/suspended-assets?kind=email&value=mallory@example.org", headers: analyst })).statusCode).toBe(404);
    expect((await app.inject({ method: "DELETE", url: "/api/v1/suspended-assets?kind=email", headers: analyst })).statusCode).toBe(400);
  });

  it("assesses campaigns on request and when published unassessed, once per event", async () => {
    const res = await assess({ kind: "campaign", campaignId: id("camp"), organizerId: id("org"), title: "Wells", goal: usd(100000) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: "campaign", decision: "allow" });

    const published = createEvent("campaign.published", { campaignId: id("late"), organizerId: "org-x", title: "Late", goal: usd(5000) });
    const deps = { db, config: DEFAULT_TRUST_CONFIG };
    expect(await handleEvent(deps, published)).toBe(true);
    expect(await handleEvent(deps, published)).toBe(false);
    const decisions = await outbox("trust.decision");
    expect(decisions.filter((d) => d.subjectId === published.data.campaignId)).toHaveLength(1);
  });

  it("counts donation outcomes from events once, so failures add up to card testing", async () => {
    const fp = id("tested-card");
    const deps = { db, config: DEFAULT_TRUST_CONFIG };
    for (let i = 0; i < 9; i++) {
      const event = createEvent("donation.failed", { donationId: id("f"), campaignId: "c", amount: usd(100), reason: "card_declined", cardFingerprint: fp });
      await handleEvent(deps, event);
      await handleEvent(deps, event); // redelivered: applied once
    }
    const ok = createEvent("donation.succeeded", { donationId: id("s"), campaignId: "c", amount: usd(100), tip: usd(0), fee: usd(0), cardFingerprint: fp });
    await handleEvent(deps, ok);
    const verdict = (await assess(donation({ cardFingerprint: fp, ip: "198.51.100.120" }))).json<{ reasons: { code: string; message: string }[] }>();
    expect(verdict.reasons.map((r) => r.code)).toEqual(["card_testing"]);
    expect(verdict.reasons[0].message).toBe("9 of 11 attempts with this card failed in 30 days");
  });

  it("applies a donation outcome with its inbox row in one statement (no transaction), and a redelivery not at all", async () => {
    const { db: counted, statements } = countingStatements(db, "a donation outcome needs no transaction");
    const deps = { db: counted, config: DEFAULT_TRUST_CONFIG };
    const donationId = id("one-statement");
    const event = createEvent("donation.failed", { donationId, campaignId: "c", amount: usd(100), reason: "card_declined", cardFingerprint: id("fp") });
    expect(await handleEvent(deps, event)).toBe(true);
    expect(statements).toHaveLength(1);
    expect(await handleEvent(deps, event)).toBe(false);
    expect(statements).toHaveLength(2);
    const { rows } = await db.query<{ outcome: string; n: number }>("SELECT outcome, count(*) OVER ()::int AS n FROM trust_attempts WHERE donation_id = $1", [donationId]);
    expect(rows).toEqual([{ outcome: "failed", n: 1 }]);
    const inbox = await db.query("SELECT 1 FROM processed_events WHERE consumer = 'trust-service' AND event_id = $1", [event.eventId]);
    expect(inbox.rows).toHaveLength(1);
  });

  it("exposes decisions as metrics and documents its routes", async () => {
    const metrics = await app.inject({ url: "/metrics" });
    expect(metrics.body).toMatch(/trust_assessments_total\{kind="donation",decision="allow"\} \d+/);
    const spec = (await app.inject({ url: "/openapi.json" })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/api/v1/assessments", "/api/v1/reviews/{id}/decision", "/api/v1/suspended-assets"]));
  });
});
