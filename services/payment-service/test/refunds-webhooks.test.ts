import { randomUUID } from "node:crypto";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import { describe, expect, it, vi } from "vitest";
import { signPayload } from "../src/domain/webhook-signature.js";
import { admin, CARD, donor, eventually, usePayment, WEBHOOK_SECRET } from "./harness.js";

describe.each(testDatabases())("refunds, ledger and provider webhooks on $kind", (target) => {
  const h = usePayment(() => target.open(), {
    campaigns: [
      { id: "c1", status: "active", organizerId: "org-1", goal: { amount: 50_000, currency: "EUR" } },
    ],
  });

  const give = async (amount = 1000, email = "r@example.org") => {
    const res = await h.app.inject({ method: "POST", url: "/api/v1/donations", headers: { "idempotency-key": randomUUID() }, payload: { campaignId: "c1", amount: { amount, currency: "EUR" }, email, card: CARD } });
    return res.json<{ id: string; status: string }>();
  };
  const refund = async (id: string, payload: Record<string, unknown> = {}) =>
    h.app.inject({ method: "POST", url: `/api/v1/donations/${id}/refunds`, headers: await admin(), payload });
  const balance = async (account: string) =>
    (await h.app.inject({ url: `/api/v1/ledger/accounts/${encodeURIComponent(account)}/balance`, headers: await admin() })).json<{ balances: { currency: string; debits: number; credits: number; balance: number }[] }>();

  it("refunds partially, then the rest; never more than captured; originals untouched", async () => {
    const d = await give(1000);
    const campaignBefore = (await balance("campaign:c1")).balances[0].balance;
    const first = await refund(d.id, { amount: { amount: 300, currency: "EUR" }, reason: "asked by donor" });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ amount: { amount: 300, currency: "EUR" }, donation: { status: "PAID", refunded: { amount: 300 } } });
    const tooMuch = await refund(d.id, { amount: { amount: 701, currency: "EUR" } });
    expect(tooMuch.json()).toMatchObject({ status: 409, code: "BH_REFUND_EXCEEDS_CAPTURED" });
    const rest = await refund(d.id);
    expect(rest.json()).toMatchObject({ amount: { amount: 700 }, donation: { status: "REFUNDED", refunded: { amount: 1000 } } });
    expect((await refund(d.id)).json()).toMatchObject({ status: 409, code: "BH_REFUND_NOT_REFUNDABLE" });
    expect((await balance("campaign:c1")).balances[0].balance).toBe(campaignBefore - 1000);

    const groups = (await h.app.inject({ url: `/api/v1/ledger/transactions?donationId=${d.id}`, headers: await admin() })).json<{ items: { kind: string }[] }>().items;
    expect(groups.map((g) => g.kind).sort()).toEqual(["donation", "processor_fee", "refund", "refund"]);
    await vi.waitFor(() => expect(h.events.filter((e) => e.type === "donation.refunded" && e.data.donationId === d.id).length === 2).toBe(true), eventually);
    const last = h.events.filter((e) => e.type === "donation.refunded" && e.data.donationId === d.id).at(-1)!;
    expect(last.data).toMatchObject({ amount: { amount: 700 }, totalRefunded: { amount: 1000 }, captured: { amount: 1000 } });
    const detail = await h.app.inject({ url: `/api/v1/donations/${d.id}`, headers: await admin() });
    expect(detail.json<{ refunds: unknown[] }>().refunds).toHaveLength(2);
  });

  it("lets concurrent refunds together refund at most the captured amount", async () => {
    const d = await give(1000);
    const results = await Promise.all(Array.from({ length: 8 }, async () => refund(d.id, { amount: { amount: 300, currency: "EUR" } })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(results.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true);
    const { rows } = await h.db.query<{ refunded: number }>("SELECT refunded FROM donations WHERE id = $1", [d.id]);
    expect(Number(rows[0].refunded)).toBe(900);
  });

  it("only admins refund and read the ledger", async () => {
    const d = await give(500);
    expect((await h.app.inject({ method: "POST", url: `/api/v1/donations/${d.id}/refunds`, headers: await donor(), payload: {} })).statusCode).toBe(403);
    expect((await h.app.inject({ url: "/api/v1/ledger/transactions" })).statusCode).toBe(401);
    expect((await h.app.inject({ url: "/api/v1/ledger/accounts/nobody/balance", headers: await admin() })).statusCode).toBe(404);
  });

  it("pages through ledger transactions newest first", async () => {
    const page1 = (await h.app.inject({ url: "/api/v1/ledger/transactions?limit=2", headers: await admin() })).json<{ items: { id: string }[]; nextCursor: number }>();
    expect(page1.items).toHaveLength(2);
    const page2 = (await h.app.inject({ url: `/api/v1/ledger/transactions?limit=2&cursor=${page1.nextCursor}`, headers: await admin() })).json<{ items: { id: string }[] }>();
    expect(page2.items[0].id).not.toBe(page1.items[1].id);
    const byAccount = (await h.app.inject({ url: "/api/v1/ledger/transactions?account=platform%3Aprocessor_fees&limit=500", headers: await admin() })).json<{ items: { kind: string }[] }>();
    expect(byAccount.items.every((g) => g.kind === "processor_fee")).toBe(true);
  });

  describe("provider webhooks", () => {
    const post = (payload: string, signature: string | undefined) =>
      h.app.inject({ method: "POST", url: "/api/v1/webhooks/provider", headers: { "content-type": "application/json", ...(signature ? { "stripe-signature": signature } : {}) }, payload });
    const signed = (payload: string, t = Math.floor(Date.now() / 1000)) => post(payload, signPayload(payload, WEBHOOK_SECRET, t));

    it("refuses unsigned, forged, stale and malformed deliveries with 400", async () => {
      const payload = JSON.stringify({ id: "evt_x", type: "charge.succeeded", data: { object: {} } });
      expect((await post(payload, undefined)).json()).toMatchObject({ status: 400, code: "BH_BAD_SIGNATURE" });
      expect((await post(payload, signPayload(payload, "whsec_wrong_secret_0000", Math.floor(Date.now() / 1000)))).statusCode).toBe(400);
      expect((await signed(payload, Math.floor(Date.now() / 1000) - 301)).json()).toMatchObject({ detail: expect.stringContaining("tolerance") });
      expect((await signed("{not json")).json()).toMatchObject({ status: 400, code: "BH_MALFORMED_JSON" });
      expect((await signed(JSON.stringify({ id: "evt_y" }))).json()).toMatchObject({ status: 400, code: "BH_VALIDATION" });
    });

    it("records a refund made at the provider once, however often the event arrives", async () => {
      const d = await give(800);
      const charge = (await h.db.query<{ charge_id: string }>("SELECT charge_id FROM donations WHERE id = $1", [d.id])).rows[0].charge_id;
      const payload = JSON.stringify({ id: `evt_${randomUUID()}`, type: "charge.refunded", data: { object: { id: charge, amount_refunded: 200, metadata: { donationId: d.id } } } });
      const first = await signed(payload);
      expect(first.json()).toEqual({ received: true, applied: true });
      expect((await signed(payload)).json()).toEqual({ received: true, applied: false });
      const { rows } = await h.db.query<{ refunded: number }>("SELECT refunded FROM donations WHERE id = $1", [d.id]);
      expect(Number(rows[0].refunded)).toBe(200);
    });

    it("settles a donation left PROCESSING (a crash after the charge) once, from charge.succeeded", async () => {
      const d = await give(600);
      await h.db.query("UPDATE donations SET status = 'PROCESSING' WHERE id = $1", [d.id]);
      await h.db.query("DELETE FROM ledger_entries WHERE group_id IN (SELECT id FROM ledger_groups WHERE donation_id = $1)", [d.id]);
      await h.db.query("DELETE FROM ledger_groups WHERE donation_id = $1", [d.id]);
      const event = (id: string) => JSON.stringify({ id, type: "charge.succeeded", data: { object: { id: "ch_x", fee: 47, metadata: { donationId: d.id } } } });
      expect((await signed(event(`evt_${randomUUID()}`))).json()).toEqual({ received: true, applied: true });
      expect((await signed(event(`evt_${randomUUID()}`))).json()).toEqual({ received: true, applied: false });
      const { rows } = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = $1", [d.id]);
      expect(rows[0].n).toBe(2);
      const failed = JSON.stringify({ id: `evt_${randomUUID()}`, type: "charge.failed", data: { object: { metadata: { donationId: d.id } } } });
      expect((await signed(failed)).json()).toEqual({ received: true, applied: false });
      const unknown = JSON.stringify({ id: `evt_${randomUUID()}`, type: "customer.created", data: { object: {} } });
      expect((await signed(unknown)).json()).toEqual({ received: true, applied: false });
    });
  });
});
