import { randomUUID } from "node:crypto";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import { describe, expect, it, vi } from "vitest";
import { unbalancedGroups } from "../src/db/ledger.js";
import { admin, CARD, donor, eventually, usePayment } from "./harness.js";

describe.each(testDatabases())("donations on $kind", (target) => {
  const h = usePayment(() => target.open(), {
    campaigns: [
      { id: "c-active", status: "active", organizerId: "org-1", goal: { amount: 100_000, currency: "USD" } },
      { id: "c-paused", status: "paused", organizerId: "org-1", goal: { amount: 100_000, currency: "USD" } },
    ],
  });

  const donate = (body: Record<string, unknown>, headers: Record<string, string> = {}, key: string = randomUUID()) =>
    h.app.inject({ method: "POST", url: "/api/v1/donations", headers: { "idempotency-key": key, ...headers }, payload: body });
  const body = (over: Record<string, unknown> = {}) => ({ campaignId: "c-active", amount: { amount: 2500, currency: "USD" }, tipAmount: { amount: 300, currency: "USD" }, email: "ada@example.org", card: CARD, ...over });

  it("charges a donation: PAID, balanced ledger groups, donation.succeeded, and no card number anywhere", async () => {
    const res = await donate(body());
    expect(res.statusCode).toBe(201);
    const d = res.json<{ id: string; status: string; fee: { amount: number }; card: { last4: string } }>();
    expect(d).toMatchObject({ status: "PAID", amount: { amount: 2500, currency: "USD" }, tip: { amount: 300, currency: "USD" }, card: { brand: "visa", last4: "4242" } });
    expect(d.fee.amount).toBe(Math.floor((2800 * 290 + 5000) / 10000) + 30);
    expect(res.body).not.toContain("4242424242424242");
    expect(h.stubs.assessments.at(-1)).toMatchObject({ kind: "donation", donationId: d.id, campaignId: "c-active", amount: { amount: 2500, currency: "USD" }, email: "ada@example.org" });

    const ledger = await h.app.inject({ url: `/api/v1/ledger/transactions?donationId=${d.id}`, headers: await admin() });
    const groups = ledger.json<{ items: { kind: string; entries: { direction: string; amount: number }[] }[] }>().items;
    expect(groups.map((g) => g.kind).sort()).toEqual(["donation", "processor_fee", "tip"]);
    expect(await unbalancedGroups(h.db)).toEqual([]);

    await vi.waitFor(() => expect(h.events.some((e) => e.type === "donation.succeeded" && e.data.donationId === d.id)).toBe(true), eventually);
    const event = h.events.find((e) => e.data.donationId === d.id)!;
    expect(event.data).toMatchObject({ campaignId: "c-active", organizerId: "org-1", email: "ada@example.org", cardLast4: "4242" });
    const { rows } = await h.db.query("SELECT * FROM donations");
    expect(JSON.stringify(rows)).not.toContain("4242424242424242");
    const stored = await h.db.query("SELECT data FROM event_outbox");
    expect(JSON.stringify(stored.rows)).not.toContain("4242424242424242");
  });

  it("answers the donor's own donation, and hides it from others", async () => {
    const created = (await donate(body({ email: undefined }), await donor("donor-7"))).json<{ id: string; donorId: string }>();
    expect(created.donorId).toBe("donor-7");
    expect((await h.app.inject({ url: `/api/v1/donations/${created.id}`, headers: await donor("donor-7") })).statusCode).toBe(200);
    const other = await h.app.inject({ url: `/api/v1/donations/${created.id}`, headers: await donor("donor-8") });
    expect(other.statusCode).toBe(404);
    expect(other.headers["content-type"]).toContain("application/problem+json");
  });

  it("declines test cards with Stripe's reasons and writes donation.failed, moving no money", async () => {
    const declined = await donate(body({ card: { ...CARD, number: "4000000000000002" } }));
    expect(declined.statusCode).toBe(402);
    expect(declined.json()).toMatchObject({ code: "BH_CARD_DECLINED", detail: "Your card was declined." });
    const poor = await donate(body({ card: { ...CARD, number: "4000000000009995" } }));
    expect(poor.json()).toMatchObject({ status: 402, code: "BH_INSUFFICIENT_FUNDS" });
    await vi.waitFor(() => expect(h.events.filter((e) => e.type === "donation.failed").length >= 2).toBe(true), eventually);
    const { rows } = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_groups g JOIN donations d ON d.id = g.donation_id WHERE d.status = 'ERROR'");
    expect(rows[0]?.n).toBe(0);
  });

  it("blocks a risky donation with a generic 402 and charges nothing", async () => {
    h.stubs.decisions.set("mallory@example.org", "block");
    const captures = await h.provider.captures();
    const res = await donate(body({ email: "mallory@example.org" }));
    expect(res.statusCode).toBe(402);
    expect(res.json()).toMatchObject({ code: "BH_PAYMENT_REFUSED", detail: "The payment could not be processed." });
    expect(res.body).not.toMatch(/velocity|score|trust/i);
    expect(await h.provider.captures()).toBe(captures);
    await vi.waitFor(() => expect(h.events.some((e) => e.type === "donation.failed" && e.data.email === "mallory@example.org" && e.data.reason === "blocked")).toBe(true), eventually);
  });

  it("holds a donation for review (202) and captures it when trust-service allows it", async () => {
    h.stubs.decisions.set("rev@example.org", "review");
    const res = await donate(body({ email: "rev@example.org" }));
    expect(res.statusCode).toBe(202);
    const d = res.json<{ id: string; status: string }>();
    expect(d.status).toBe("IN_REVIEW");
    const decision = { eventId: randomUUID(), type: "trust.decision", occurredAt: new Date().toISOString(), data: { assessmentId: "a", kind: "donation", subjectId: d.id, score: 70, decision: "allow", reasons: ["ip_velocity"] } };
    await h.bus.publish(decision);
    await h.bus.publish(decision); // at-least-once: a second delivery changes nothing
    await vi.waitFor(() => expect(h.events.some((e) => e.type === "donation.succeeded" && e.data.donationId === d.id)).toBe(true), eventually);
    const after = await h.app.inject({ url: `/api/v1/donations/${d.id}`, headers: await admin() });
    expect(after.json()).toMatchObject({ status: "PAID" });
    const { rows } = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = $1 AND kind = 'donation'", [d.id]);
    expect(rows[0]?.n).toBe(1);
  });

  it("releases a held donation that a reviewer rejects", async () => {
    h.stubs.decisions.set("rev2@example.org", "review");
    const d = (await donate(body({ email: "rev2@example.org" }))).json<{ id: string }>();
    await h.bus.publish({ eventId: randomUUID(), type: "trust.decision", occurredAt: new Date().toISOString(), data: { assessmentId: "a", kind: "donation", subjectId: d.id, score: 80, decision: "block", reasons: [] } });
    await vi.waitFor(() => expect(h.events.some((e) => e.type === "donation.failed" && e.data.donationId === d.id)).toBe(true), eventually);
    expect((await h.app.inject({ url: `/api/v1/donations/${d.id}`, headers: await admin() })).json()).toMatchObject({ status: "ERROR", failureCode: "blocked" });
  });

  it("refuses campaigns that are not active or do not exist, and other currencies", async () => {
    expect((await donate(body({ campaignId: "c-paused" }))).json()).toMatchObject({ status: 409, code: "BH_CAMPAIGN_NOT_ACTIVE" });
    expect((await donate(body({ campaignId: "c-none" }))).json()).toMatchObject({ status: 404, code: "BH_CAMPAIGN_NOT_FOUND" });
    const eur = await donate(body({ amount: { amount: 100, currency: "EUR" }, tipAmount: undefined }));
    expect(eur.json()).toMatchObject({ status: 400, errors: [{ path: "/amount/currency" }] });
  });

  it("fails closed with 503 when trust-service is down, charging nothing", async () => {
    h.stubs.trustDown = true;
    const captures = await h.provider.captures();
    const res = await donate(body());
    h.stubs.trustDown = false;
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: "BH_DEPENDENCY_UNAVAILABLE" });
    expect(await h.provider.captures()).toBe(captures);
  });

  it("creates exactly one donation and one charge for 50 concurrent requests with one Idempotency-Key", async () => {
    const key = randomUUID();
    const captures = await h.provider.captures();
    const before = (await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM donations")).rows[0].n;
    const responses = await Promise.all(Array.from({ length: 50 }, () => donate(body({ email: "same@example.org" }), {}, key)));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    const ids = new Set(responses.filter((r) => r.statusCode === 201).map((r) => r.json<{ id: string }>().id));
    expect(ids.size).toBe(1);
    const replay = await donate(body({ email: "same@example.org" }), {}, key);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.json<{ id: string }>().id).toBe([...ids][0]);
    expect((await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM donations")).rows[0].n).toBe(before + 1);
    expect(await h.provider.captures()).toBe(captures + 1);
  });
});
