import { randomUUID } from "node:crypto";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { signPayload } from "../src/domain/webhook-signature.js";
import { admin, CARD, usePayment, WEBHOOK_SECRET } from "./harness.js";

/** Issue 13 case 4: money the API could not keep exact, and input it could never store, are refused before anything is stored or charged. */
describe.each(testDatabases())("money limits and unstorable input on $kind", (target) => {
  const h = usePayment(() => target.open(), {
    campaigns: [
      { id: "c1", status: "active", organizerId: "o", goal: { amount: 1000, currency: "USD" } },
      { id: "near-limit", status: "active", organizerId: "o", goal: { amount: 1000, currency: "USD" } },
    ],
  });

  const good = { campaignId: "c1", amount: { amount: 500, currency: "USD" }, email: "limits@example.org", card: CARD };
  const donate = (payload: unknown) =>
    h.app.inject({ method: "POST", url: "/api/v1/donations", headers: { "content-type": "application/json", "idempotency-key": randomUUID() }, payload: JSON.stringify(payload) });
  const count = async (sql: string, params: unknown[] = []) => Number((await h.db.query<{ n: string | number }>(sql, params)).rows[0].n);
  const stored = async () => ({
    donations: await count("SELECT count(*) AS n FROM donations"),
    charges: await count("SELECT count(*) AS n FROM sandbox_charges"),
    assessments: h.stubs.assessments.length,
  });
  const expectProblem = (res: LightMyRequestResponse, status: number, path?: string) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    const problem = res.json<{ status: number; detail: string; errors?: { in: string; path: string; message: string }[] }>();
    expect(problem.status).toBe(status);
    if (path !== undefined) expect(problem.errors?.map((e) => e.path)).toContain(path);
    return problem;
  };
  /** Seeds a balanced group straight into the ledger (no donation could ever get this near the limit). */
  const seedLedger = async (credit: string, amounts: number[]) => {
    for (const amount of amounts) {
      const group = randomUUID();
      await h.db.query("INSERT INTO ledger_groups (id, kind) VALUES ($1, 'donation')", [group]);
      await h.db.query("INSERT INTO ledger_entries (group_id, account, direction, amount, currency) VALUES ($1, 'provider:seed', 'DEBIT', $2, 'USD'), ($1, $3, 'CREDIT', $2, 'USD')", [group, amount, credit]);
    }
  };

  it.each([
    ["amount", { amount: { amount: 500, currency: "ZZZ" } }, "/amount/currency"],
    ["tipAmount", { tipAmount: { amount: 50, currency: "ZZZ" } }, "/tipAmount/currency"],
  ])("refuses a currency ISO 4217 does not have (ZZZ in %s) with a 400 naming the field, nothing stored or charged", async (_field, change, path) => {
    const before = await stored();
    const problem = expectProblem(await donate({ ...good, ...change }), 400, path);
    expect(problem.detail).toContain("ISO 4217");
    expect(await stored()).toEqual(before);
  });

  it.each([
    ["amount", { amount: { amount: 500, currency: "USD", bonus: 1 } }, "/amount", "bonus"],
    ["tipAmount", { tipAmount: { amount: 50, currency: "USD", note: "x" } }, "/tipAmount", "note"],
    ["card", { card: { ...CARD, holder: "A" } }, "/card", "holder"],
  ])("refuses an unknown field inside %s with a 400 naming it, nothing stored or charged", async (_field, change, path, key) => {
    const before = await stored();
    const problem = expectProblem(await donate({ ...good, ...change }), 400, path);
    expect(problem.errors).toContainEqual({ in: "body", path, message: expect.stringContaining(`"${key}"`) });
    expect(problem.detail).toContain(key);
    expect(await stored()).toEqual(before);
  });

  it("refuses an unknown field inside a refund's amount", async () => {
    const res = await h.app.inject({ method: "POST", url: `/api/v1/donations/${randomUUID()}/refunds`, headers: await admin(), payload: { amount: { amount: 1, currency: "USD", extra: true } } });
    expect(expectProblem(res, 400, "/amount").detail).toContain("extra");
  });

  it.each([
    ["amount", { amount: { amount: 100_000_001, currency: "USD" } }, "/amount/amount"],
    ["tipAmount", { tipAmount: { amount: 100_000_001, currency: "USD" } }, "/tipAmount/amount"],
  ])("refuses a %s above the per-donation cap (100000000 minor units) with a 400 naming the cap, nothing stored or charged", async (_field, change, path) => {
    const before = await stored();
    const problem = expectProblem(await donate({ ...good, ...change }), 400, path);
    expect(problem.detail).toContain("100000000");
    expect(await stored()).toEqual(before);
  });

  it("takes a donation of exactly the cap", async () => {
    expect((await donate({ ...good, amount: { amount: 100_000_000, currency: "USD" } })).statusCode).toBe(201);
  });

  it("refuses a donation that would take a campaign's total past 2^53 - 1, and the balance stays exact", async () => {
    const near = Number.MAX_SAFE_INTEGER - 100;
    await seedLedger("campaign:near-limit", [near]);
    const before = await stored();
    const problem = expectProblem(await donate({ ...good, campaignId: "near-limit", amount: { amount: 101, currency: "USD" } }), 422);
    expect(problem.detail).toContain("9007199254740991");
    expect(await stored()).toEqual(before);
    const balance = await h.app.inject({ url: "/api/v1/ledger/accounts/campaign%3Anear-limit/balance", headers: await admin() });
    expect(balance.json()).toEqual({ account: "campaign:near-limit", balances: [{ currency: "USD", debits: 0, credits: near, balance: near }] });
    // Exactly up to the limit is still fine.
    expect((await donate({ ...good, campaignId: "near-limit", amount: { amount: 100, currency: "USD" } })).statusCode).toBe(201);
    const full = await h.app.inject({ url: "/api/v1/ledger/accounts/campaign%3Anear-limit/balance", headers: await admin() });
    expect(full.json<{ balances: { credits: number }[] }>().balances[0].credits).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("never answers a ledger balance rounded: a sum past 2^53 - 1 is a problem, not a wrong number", async () => {
    await seedLedger("campaign:past-limit", [Number.MAX_SAFE_INTEGER, 2]);
    const res = await h.app.inject({ url: "/api/v1/ledger/accounts/campaign%3Apast-limit/balance", headers: await admin() });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.body).not.toContain("9007199254740992");
  });

  it("answers a signed webhook whose id holds NUL with a 400 problem+json, and records nothing", async () => {
    const events = await count("SELECT count(*) AS n FROM provider_events");
    for (const id of ["evt_\u0000poison", "evt_\ud800lonely"]) {
      const payload = JSON.stringify({ id, type: "charge.succeeded", data: { object: { id: "ch_1" } } });
      const res = await h.app.inject({ method: "POST", url: "/api/v1/webhooks/provider", headers: { "content-type": "application/json", "stripe-signature": signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)) }, payload });
      expectProblem(res, 400, "/id");
    }
    const nested = JSON.stringify({ id: `evt_${randomUUID()}`, type: "charge.failed", data: { object: { failure_code: "x\u0000" } } });
    const res = await h.app.inject({ method: "POST", url: "/api/v1/webhooks/provider", headers: { "content-type": "application/json", "stripe-signature": signPayload(nested, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)) }, payload: nested });
    expectProblem(res, 400, "/data/object/failure_code");
    expect(await count("SELECT count(*) AS n FROM provider_events")).toBe(events);
  });
});
