import { randomUUID } from "node:crypto";
import { bearer, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { InjectOptions } from "fastify";
import { describe, expect, it } from "vitest";
import { admin, CARD, usePayment } from "./harness.js";

const [pglite] = testDatabases();

describe("every endpoint answers bad input with a 4xx problem+json", () => {
  const h = usePayment(() => pglite.open(), {
    campaigns: [
      { id: "c1", status: "active", organizerId: "o", goal: { amount: 1000, currency: "USD" } },
    ],
    now: () => new Date("2026-11-26T12:00:00Z"),
  });

  const good = { campaignId: "c1", amount: { amount: 500, currency: "USD" }, email: "a@example.org", card: CARD };
  const donation = (payload: unknown, headers: Record<string, string> = { "idempotency-key": randomUUID() }): InjectOptions =>
    ({ method: "POST", url: "/api/v1/donations", headers: { "content-type": "application/json", ...headers }, payload: typeof payload === "string" ? payload : JSON.stringify(payload) });

  const cases: [string, () => InjectOptions | Promise<InjectOptions>, number, string?][] = [
    ["donation without Idempotency-Key", () => donation(good, {}), 400, "BH_IDEMPOTENCY_KEY_REQUIRED"],
    ["malformed JSON", () => donation("{\"campaignId\":"), 400, "BH_MALFORMED_JSON"],
    ["no body", () => ({ method: "POST", url: "/api/v1/donations", headers: { "idempotency-key": randomUUID() } }), 400],
    ["an array body", () => donation([good]), 400, "BH_VALIDATION"],
    ["a float amount", () => donation({ ...good, amount: { amount: 5.5, currency: "USD" } }), 400, "BH_VALIDATION"],
    ["a negative amount", () => donation({ ...good, amount: { amount: -5, currency: "USD" } }), 400, "BH_VALIDATION"],
    ["a zero amount", () => donation({ ...good, amount: { amount: 0, currency: "USD" } }), 400],
    ["an amount as a string", () => donation({ ...good, amount: { amount: "500", currency: "USD" } }), 400, "BH_VALIDATION"],
    ["a lower-case currency", () => donation({ ...good, amount: { amount: 500, currency: "usd" } }), 400, "BH_VALIDATION"],
    ["a tip in another currency", () => donation({ ...good, tipAmount: { amount: 5, currency: "EUR" } }), 400],
    ["a card number failing Luhn", () => donation({ ...good, card: { ...CARD, number: "4242424242424241" } }), 400, "BH_VALIDATION"],
    ["an expired card", () => donation({ ...good, card: { ...CARD, expYear: 2026, expMonth: 10 } }), 400],
    ["a missing card", () => donation({ ...good, card: undefined }), 400, "BH_VALIDATION"],
    ["an unknown field", () => donation({ ...good, admin: true }), 400, "BH_VALIDATION"],
    ["a guest without email", () => donation({ ...good, email: undefined }), 400, "BH_DONOR_REQUIRED"],
    ["a bad email", () => donation({ ...good, email: "not-an-email" }), 400, "BH_VALIDATION"],
    ["a forged token", async () => donation(good, { "idempotency-key": randomUUID(), authorization: (await bearer({ sub: "x", roles: ["donor"] }, "another-secret-that-is-long-enough-000")).authorization }), 401],
    ["a 300-character Idempotency-Key", () => donation(good, { "idempotency-key": "k".repeat(300) }), 400],
    ["text/plain", () => ({ method: "POST", url: "/api/v1/donations", headers: { "content-type": "text/plain", "idempotency-key": randomUUID() }, payload: "hello" }), 415],
    ["a body over 1 MiB", () => donation({ ...good, campaignId: "c".repeat(1_100_000) }), 413],
    ["GET a donation by a non-UUID", async () => ({ method: "GET", url: "/api/v1/donations/not-a-uuid", headers: await admin() }), 400, "BH_VALIDATION"],
    ["GET an unknown donation", async () => ({ method: "GET", url: `/api/v1/donations/${randomUUID()}`, headers: await admin() }), 404],
    ["GET a donation without a token", () => ({ method: "GET", url: `/api/v1/donations/${randomUUID()}` }), 401],
    ["refund of a non-UUID", async () => ({ method: "POST", url: "/api/v1/donations/x/refunds", headers: await admin(), payload: {} }), 400],
    ["refund of an unknown donation", async () => ({ method: "POST", url: `/api/v1/donations/${randomUUID()}/refunds`, headers: await admin(), payload: {} }), 404],
    ["refund with a float", async () => ({ method: "POST", url: `/api/v1/donations/${randomUUID()}/refunds`, headers: await admin(), payload: { amount: { amount: 1.2, currency: "USD" } } }), 400],
    ["ledger with limit=0", async () => ({ method: "GET", url: "/api/v1/ledger/transactions?limit=0", headers: await admin() }), 400],
    ["ledger with a cursor that is not a number", async () => ({ method: "GET", url: "/api/v1/ledger/transactions?cursor=abc", headers: await admin() }), 400],
    ["ledger with an unknown parameter", async () => ({ method: "GET", url: "/api/v1/ledger/transactions?sort=up", headers: await admin() }), 400],
    ["ledger filtered by a non-UUID donation", async () => ({ method: "GET", url: "/api/v1/ledger/transactions?donationId=1", headers: await admin() }), 400],
    ["balance of an unknown account", async () => ({ method: "GET", url: "/api/v1/ledger/accounts/campaign%3Anone/balance", headers: await admin() }), 404],
    ["webhook without a signature", () => ({ method: "POST", url: "/api/v1/webhooks/provider", headers: { "content-type": "application/json" }, payload: "{}" }), 400, "BH_BAD_SIGNATURE"],
    ["webhook as text/plain", () => ({ method: "POST", url: "/api/v1/webhooks/provider", headers: { "content-type": "text/plain" }, payload: "x" }), 415],
    ["an unknown route", () => ({ method: "GET", url: "/api/v1/nope" }), 404],
  ];

  it.each(cases)("%s", async (_name, request, status, code) => {
    const res = await h.app.inject(await request());
    expect(res.statusCode).toBe(status);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    const problem = res.json<{ status: number; code: string; detail: string }>();
    expect(problem.status).toBe(status);
    if (code) expect(problem.code).toBe(code);
    expect(problem.detail).not.toMatch(/at .*\.ts:\d+/);
  });

  it("answers random JSON with 4xx, never 5xx", async () => {
    const values = [null, 0, -1, 1e308, "", "x".repeat(300), [], {}, true, { amount: 1 }, { currency: "USD" }];
    const pick = () => values[Math.floor(Math.random() * values.length)];
    for (let i = 0; i < 60; i += 1) {
      const body = { campaignId: pick(), amount: Math.random() < 0.5 ? pick() : { amount: pick(), currency: pick() }, email: pick(), card: Math.random() < 0.5 ? pick() : { ...CARD, number: pick() } };
      const res = await h.app.inject(donation(body));
      expect(res.statusCode, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, JSON.stringify(body)).toBeLessThan(500);
    }
  });
});
