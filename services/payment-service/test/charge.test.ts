import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import { migrateService, type Database } from "@blessed-horizon/service-kit";
import { countingStatements, testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../src/app.js";
import type { PaymentProvider } from "../src/clients/provider.js";
import { ProviderError } from "../src/clients/provider.js";
import { SandboxProvider } from "../src/clients/sandbox.js";
import type { Verdict } from "../src/clients/trust.js";
import { getDonation } from "../src/db/donations.js";
import { createDonation } from "../src/service/donate.js";
import type { PaymentDeps } from "../src/service/deps.js";
import { applyTrustDecision } from "../src/service/reviews.js";

const CARD = { number: "4242424242424242", expMonth: 12, expYear: 2034, cvc: "123" };

describe.each(testDatabases())("charging a donation on $kind", ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
    await migrateService(db, migrationsDir);
  });
  afterAll(() => db.close());

  const deps = (over: { db?: Database; decision?: Verdict["decision"]; provider?: (sandbox: SandboxProvider) => PaymentProvider } = {}): PaymentDeps => {
    const sandbox = new SandboxProvider(over.db ?? db);
    return {
      db: over.db ?? db,
      provider: over.provider?.(sandbox) ?? sandbox,
      campaigns: { getActiveCampaign: (id) => Promise.resolve({ id, status: "active", organizerId: "org-c", goal: { amount: 1_000_000, currency: "USD" } }) },
      trust: { assess: () => Promise.resolve({ score: 5, decision: over.decision ?? "allow", reasons: [] }) },
      cardSecret: "charge-test-secret",
      outboxWritten: () => undefined,
    };
  };
  const request = (email: string) => ({ campaignId: "c-charge", amount: { amount: 1000, currency: "USD" }, tipAmount: { amount: 200, currency: "USD" }, email, ip: "203.0.113.9", card: CARD });
  const books = async (reference: string) =>
    (await db.query<{ id: string; state: string; charge_id: string | null; fee: number | null }>("SELECT id, state, charge_id, fee::int AS fee FROM sandbox_charges WHERE reference = $1", [reference])).rows;

  it("pays an allowed donation with one provider write and one settling statement: 3 writes, no authorization UPDATE, no transaction", async () => {
    const counted = countingStatements(db, "an allowed donation needs no transaction");
    const paid = await createDonation(deps({ db: counted.db }), request("allowed@example.org"));
    expect(paid.status).toBe("PAID");
    expect(Number(paid.fee)).toBe(65); // 2.9 % of 1200 is 34.8 -> 35, plus 30
    const first = (sql: string) => sql.trim().split(/\s+/).slice(0, 3).join(" ");
    expect(counted.statements.map(first)).toEqual(["INSERT INTO donations", "INSERT INTO sandbox_charges", "WITH paid AS"]);
    // The provider's books and the donation agree: the charge's authorization id and charge id are both stored.
    const [charge] = await books(paid.id);
    expect(charge).toMatchObject({ state: "captured", charge_id: paid.charge_id, fee: 65 });
    expect(paid.authorization_id).toBe(charge.id);
  });

  it("still holds a donation trust sends to review (authorize only) and captures it when a reviewer allows it", async () => {
    const held = await createDonation(deps({ decision: "review" }), request("review@example.org"));
    expect(held).toMatchObject({ status: "IN_REVIEW", charge_id: null });
    const [hold] = await books(held.id);
    expect(hold).toMatchObject({ state: "held", charge_id: null });
    expect(held.authorization_id).toBe(hold.id);

    const decision = createEvent("trust.decision", { assessmentId: randomUUID(), kind: "donation", subjectId: held.id, campaignId: "c-charge", score: 70, decision: "allow", reasons: [] });
    await applyTrustDecision(deps(), decision);
    const paid = await getDonation(db, held.id);
    expect(paid).toMatchObject({ status: "PAID", authorization_id: hold.id });
    expect(Number(paid.fee)).toBe(65);
    expect(await books(held.id)).toEqual([{ id: hold.id, state: "captured", charge_id: paid.charge_id, fee: 65 }]);
  });

  it("fails a donation the provider refuses to charge (ProviderError: nothing moved) as processing_error", async () => {
    const refusing = (sandbox: SandboxProvider): PaymentProvider => Object.assign(Object.create(sandbox) as SandboxProvider, {
      charge: () => Promise.reject(new ProviderError("sandbox: refused")),
    });
    await expect(createDonation(deps({ provider: refusing }), request("refused@example.org"))).rejects.toThrow(/refused/);
    const { rows } = await db.query<{ status: string; failure_code: string }>("SELECT status, failure_code FROM donations WHERE email = 'refused@example.org'");
    expect(rows).toEqual([{ status: "ERROR", failure_code: "processing_error" }]);
  });

  it("leaves a donation whose charge answer was lost PROCESSING for the reconciler, never ERROR (the card may have been charged)", async () => {
    const losing = (sandbox: SandboxProvider): PaymentProvider => Object.assign(Object.create(sandbox) as SandboxProvider, {
      charge: async (input: Parameters<PaymentProvider["charge"]>[0]) => {
        await sandbox.charge(input);
        throw new Error("connection reset before the provider's answer arrived");
      },
    });
    await expect(createDonation(deps({ provider: losing }), request("lost-charge@example.org"))).rejects.toThrow(/connection reset/);
    const { rows } = await db.query<{ id: string; status: string }>("SELECT id, status FROM donations WHERE email = 'lost-charge@example.org'");
    expect(rows).toMatchObject([{ status: "PROCESSING" }]);
    expect(await books(rows[0].id)).toMatchObject([{ state: "captured" }]);
  });
});
