import { randomUUID } from "node:crypto";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import { describe, expect, it, vi } from "vitest";
import { reconcileOnce } from "../src/service/reconcile.js";
import { admin, answerLost, CARD, eventually, usePayment } from "./harness.js";

describe.each(testDatabases())("reconciler on $kind", (target) => {
  const failing = { charge: false, refund: false };
  const h = usePayment(() => target.open(), {
    campaigns: [
      { id: "c-r", status: "active", organizerId: "org-r", goal: { amount: 1_000_000, currency: "USD" } },
    ],
    wrapProvider: (sandbox) => answerLost(sandbox, failing),
  });

  /** What the reconciler does after a crash, without waiting for its interval or for requests to go stale. */
  const reconcile = () => reconcileOnce({ db: h.db, provider: h.provider, outboxWritten: () => undefined }, { intervalMs: 1000, staleMs: 0, reviewWindowHours: 120 });
  const donate = (key: string, email: string) =>
    h.app.inject({ method: "POST", url: "/api/v1/donations", headers: { "idempotency-key": key }, payload: { campaignId: "c-r", amount: { amount: 1500, currency: "USD" }, email, card: CARD } });
  const refund = async (donationId: string, key?: string) =>
    h.app.inject({ method: "POST", url: `/api/v1/donations/${donationId}/refunds`, headers: { ...(await admin()), ...(key ? { "idempotency-key": key } : {}) }, payload: {} });
  const count = async (sql: string, params: unknown[]) => Number((await h.db.query<{ n: number }>(sql, params)).rows[0].n);
  const donationOf = async (email: string) =>
    (await h.db.query<{ id: string; status: string; failure_code: string | null; authorization_id: string | null; charge_id: string | null }>(
      "SELECT id, status, failure_code, authorization_id, charge_id FROM donations WHERE email = $1", [email],
    )).rows;

  it("records a charge whose answer was lost exactly once, with its authorization, and the retried key answers it instead of charging again", async () => {
    failing.charge = true;
    const key = randomUUID();
    expect((await donate(key, "lost@example.org")).statusCode).toBe(500);
    failing.charge = false;
    const retry = await donate(key, "lost@example.org");
    expect(retry.json()).toMatchObject({ status: 503, code: "BH_PAYMENT_SETTLING" });
    const [stuck] = await donationOf("lost@example.org");
    // Captured at the provider by one charge; the donation never stored an authorization id.
    expect(stuck).toMatchObject({ status: "PROCESSING", authorization_id: null, charge_id: null });
    const charged = await h.provider.findPayment(stuck.id);
    expect(charged).toMatchObject({ state: "captured" });

    await reconcile();
    const after = await donate(key, "lost@example.org");
    expect(after.statusCode).toBe(201);
    expect(after.json()).toMatchObject({ id: stuck.id, status: "PAID" });
    expect((await donationOf("lost@example.org"))[0]).toMatchObject({ authorization_id: charged?.authorizationId, charge_id: charged?.capture?.chargeId });
    expect((await donate(key, "lost@example.org")).headers["idempotent-replayed"]).toBe("true");
    expect(await donationOf("lost@example.org")).toHaveLength(1);
    expect(await count("SELECT count(*)::int AS n FROM sandbox_charges WHERE reference = $1 AND state = 'captured'", [stuck.id])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = $1 AND kind = 'donation'", [stuck.id])).toBe(1);
    await vi.waitFor(() => expect(h.events.some((e) => e.type === "donation.succeeded" && e.data.donationId === stuck.id)).toBe(true), eventually);
  });

  it("never charges a key twice when its released claim was deleted (an instance from before kit migration 0003, during a rolling deploy)", async () => {
    failing.charge = true;
    const key = randomUUID();
    expect((await donate(key, "rolling@example.org")).statusCode).toBe(500);
    failing.charge = false;
    // The old code's releaseKey deleted the row, so the retry's claim looks like a brand-new key's.
    await h.db.query("DELETE FROM idempotency_keys WHERE key LIKE $1", [`% ${key}`]);
    const retry = await donate(key, "rolling@example.org");
    expect(retry.json()).toMatchObject({ status: 503, code: "BH_PAYMENT_SETTLING" });
    const donations = await donationOf("rolling@example.org");
    expect(donations).toHaveLength(1);
    expect(await count("SELECT count(*)::int AS n FROM sandbox_charges WHERE reference = $1 AND state = 'captured'", [donations[0].id])).toBe(1);
    await reconcile();
    expect((await donate(key, "rolling@example.org")).json()).toMatchObject({ id: donations[0].id, status: "PAID" });
    expect(await count("SELECT count(*)::int AS n FROM sandbox_charges WHERE state = 'captured' AND reference IN (SELECT id::text FROM donations WHERE email = $1)", ["rolling@example.org"])).toBe(1);
  });

  it("never refunds a key twice when its released claim was deleted (an instance from before kit migration 0003)", async () => {
    const paid = (await donate(randomUUID(), "rolling-refund@example.org")).json<{ id: string }>();
    // Part of it, so what is left would allow a second one.
    const partial = async (key: string) =>
      h.app.inject({ method: "POST", url: `/api/v1/donations/${paid.id}/refunds`, headers: { ...(await admin()), "idempotency-key": key }, payload: { amount: { amount: 500, currency: "USD" } } });
    failing.refund = true;
    const key = randomUUID();
    expect((await partial(key)).statusCode).toBe(500);
    failing.refund = false;
    await h.db.query("DELETE FROM idempotency_keys WHERE key LIKE $1", [`% ${key}`]);
    expect((await partial(key)).json()).toMatchObject({ status: 503, code: "BH_PAYMENT_SETTLING" });
    expect(await count("SELECT count(*)::int AS n FROM refunds WHERE donation_id = $1", [paid.id])).toBe(1);
    await reconcile();
    expect((await partial(key)).statusCode).toBe(201);
    expect(await count("SELECT count(*)::int AS n FROM refunds WHERE donation_id = $1", [paid.id])).toBe(1);
  });

  it("settles a refund whose answer was lost once; meanwhile it counts against what is left to refund", async () => {
    const paid = (await donate(randomUUID(), "refund-lost@example.org")).json<{ id: string }>();
    failing.refund = true;
    const key = randomUUID();
    expect((await refund(paid.id, key)).statusCode).toBe(500);
    failing.refund = false;
    expect((await refund(paid.id, key)).json()).toMatchObject({ status: 503, code: "BH_PAYMENT_SETTLING" });
    expect((await refund(paid.id)).json()).toMatchObject({ status: 409, code: "BH_REFUND_EXCEEDS_CAPTURED" });

    await reconcile();
    const after = await refund(paid.id, key);
    expect(after.statusCode).toBe(201);
    const body = after.json<{ id: string; amount: { amount: number }; donation: { status: string; refunded: { amount: number } } }>();
    expect(body).toMatchObject({ amount: { amount: 1500 }, donation: { status: "REFUNDED", refunded: { amount: 1500 } } });
    expect(await count("SELECT count(*)::int AS n FROM sandbox_refunds WHERE reference = $1", [body.id])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = $1 AND kind = 'refund'", [paid.id])).toBe(1);
    await vi.waitFor(() => expect(h.events.filter((e) => e.type === "donation.refunded" && e.data.donationId === paid.id).length === 1).toBe(true), eventually);
  });

  it("releases the hold of a donation nobody reviewed within the review window", async () => {
    h.stubs.decisions.set("unreviewed@example.org", "review");
    const held = (await donate(randomUUID(), "unreviewed@example.org")).json<{ id: string; status: string }>();
    expect(held.status).toBe("IN_REVIEW");
    await reconcile();
    expect((await donationOf("unreviewed@example.org"))[0].status).toBe("IN_REVIEW");
    await h.db.query("UPDATE donations SET updated_at = now() - interval '121 hours' WHERE id = $1", [held.id]);
    await reconcile();
    expect((await donationOf("unreviewed@example.org"))[0]).toMatchObject({ status: "ERROR", failure_code: "review_expired" });
    expect(await h.provider.findPayment(held.id)).toMatchObject({ state: "cancelled" });
    await vi.waitFor(() => expect(h.events.some((e) => e.type === "donation.failed" && e.data.donationId === held.id)).toBe(true), eventually);
  });

  it("settles each stuck donation once when two reconcilers run at the same time, and fails what never reached the provider", async () => {
    failing.charge = true;
    const emails = Array.from({ length: 5 }, (_, i) => `race${i}@example.org`);
    for (const email of emails) expect((await donate(randomUUID(), email)).statusCode).toBe(500);
    failing.charge = false;
    // A request that died before it asked the provider anything.
    await h.db.query("UPDATE donations SET status = 'NEW', authorization_id = NULL WHERE email = $1", [emails[0]]);
    await h.db.query("DELETE FROM sandbox_charges WHERE reference = (SELECT id::text FROM donations WHERE email = $1)", [emails[0]]);

    await Promise.all([reconcile(), reconcile()]);
    const statuses = await Promise.all(emails.map(async (e) => (await donationOf(e))[0]));
    expect(statuses.map((d) => d.status)).toEqual(["ERROR", "PAID", "PAID", "PAID", "PAID"]);
    expect(statuses[0].failure_code).toBe("abandoned");
    const ids = statuses.slice(1).map((d) => d.id);
    expect(await count("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = ANY($1::uuid[]) AND kind = 'donation'", [ids])).toBe(4);
    expect(await count("SELECT count(*)::int AS n FROM event_outbox WHERE type = 'donation.succeeded' AND data->>'donationId' = ANY($1::text[])", [ids])).toBe(4);
    expect(await count("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = $1", [statuses[0].id])).toBe(0);
  });
});
