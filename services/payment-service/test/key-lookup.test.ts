import { randomUUID } from "node:crypto";
import type { Database } from "@blessed-horizon/service-kit";
import { countingStatements, testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, CARD, startPayment, startStubs, type Harness, type Stubs } from "./harness.js";

/** Lookups of what an earlier request with the same key did: statements of their own (the donation's INSERT carries its own guard, insertDonation). */
const keyLookups = (statements: string[]) => statements.filter((sql) => /^\s*SELECT\b[\s\S]*FROM (donations|refunds) WHERE idempotency_key/.test(sql));

describe.each(testDatabases())("looking up a key's earlier donation on $kind", ({ open }) => {
  let db: Database;
  let stubs: Stubs;
  let payment: Harness;
  let statements: string[];
  beforeAll(async () => {
    db = await open();
    stubs = await startStubs();
    stubs.campaigns.set("c-k", { id: "c-k", status: "active", organizerId: "org-k", goal: { amount: 1_000_000, currency: "USD" } });
    const counted = countingStatements(db, "unused");
    statements = counted.statements;
    // Start-up migrations take a transaction; a donation takes none (charge.test.ts).
    payment = await startPayment({ ...counted.db, transaction: (work) => db.transaction(work) }, stubs);
  });
  afterAll(async () => {
    await payment.close();
    await stubs.close();
    await db.close();
  });

  const donate = (key: string, email: string) =>
    payment.app.inject({ method: "POST", url: "/api/v1/donations", headers: { "idempotency-key": key }, payload: { campaignId: "c-k", amount: { amount: 1500, currency: "USD" }, email, card: CARD } });
  const refund = async (donationId: string, key: string) =>
    payment.app.inject({ method: "POST", url: `/api/v1/donations/${donationId}/refunds`, headers: { ...(await admin()), "idempotency-key": key }, payload: { amount: { amount: 500, currency: "USD" } } });
  const donationsOf = async (email: string) => (await db.query<{ id: string }>("SELECT id FROM donations WHERE email = $1", [email])).rows;

  it("looks for no earlier donation or refund of a new key", async () => {
    statements.length = 0;
    const paid = await donate(randomUUID(), "new-key@example.org");
    expect(paid.statusCode).toBe(201);
    expect(keyLookups(statements)).toEqual([]);
    statements.length = 0;
    expect((await refund(paid.json<{ id: string }>().id, randomUUID())).statusCode).toBe(201);
    expect(keyLookups(statements)).toEqual([]);
  });

  it("looks it up when the key was released by a 503, and runs the retry once", async () => {
    const key = randomUUID();
    stubs.trustDown = true;
    expect((await donate(key, "released@example.org")).statusCode).toBe(503);
    stubs.trustDown = false;
    statements.length = 0;
    const retry = await donate(key, "released@example.org");
    expect(retry.statusCode).toBe(201);
    expect(keyLookups(statements)).toHaveLength(1);
    // Trust was down: the first attempt charged nothing, so the retry charged once.
    expect(await payment.provider.findPayment(retry.json<{ id: string }>().id)).toMatchObject({ state: "captured" });
    expect((await donate(key, "released@example.org")).headers["idempotent-replayed"]).toBe("true");
    expect(await donationsOf("released@example.org")).toEqual([{ id: retry.json<{ id: string }>().id }]);
  });
});
