import type { EventEnvelope } from "@blessed-horizon/contracts";
import { migrateService, startOutboxRelay, type Database, type EventBus } from "@blessed-horizon/service-kit";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../src/app.js";
import { accountBalances, unbalancedGroups } from "../src/db/ledger.js";
import { SandboxProvider } from "../src/clients/sandbox.js";
import type { PaymentDeps } from "../src/service/deps.js";
import { createDonation, PaymentDeclinedError } from "../src/service/donate.js";
import { refundDonation } from "../src/service/refund.js";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CAMPAIGNS = ["c-a", "c-b", "c-c"];
const CARDS = ["4242424242424242", "4242424242424242", "4242424242424242", "5555555555554444", "4000000000000002", "4000000000009995"];

describe.each(testDatabases())("1,000 random donations and refunds on $kind", (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
  });
  afterAll(async () => db.close());

  it("keeps every campaign's ledger balance equal to its succeeded donations minus refunds, and every group balanced", async () => {
    const seed = Number(process.env.INVARIANT_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const published: EventEnvelope[] = [];
    const bus: EventBus = { publish: (e) => { published.push(e); return Promise.resolve(); }, subscribe: () => Promise.reject(new Error("unused")), close: () => Promise.resolve() };
    const relay = startOutboxRelay(db, bus, { intervalMs: 50 });
    const deps: PaymentDeps = {
      db,
      provider: new SandboxProvider(db),
      campaigns: { getActiveCampaign: (id) => Promise.resolve({ id, status: "active", organizerId: "o", goal: { amount: 1_000_000, currency: "USD" } }) },
      trust: { assess: () => Promise.resolve({ score: 0, decision: random() < 0.05 ? "block" : "allow", reasons: [] }) },
      cardSecret: "test-secret-0123456789",
      outboxWritten: () => relay.poke(),
    };
    const paid: { id: string; left: number }[] = [];
    let operations = 0;
    while (operations < 1000) {
      operations += 1;
      if (paid.length > 0 && random() < 0.3) {
        const target = paid[Math.floor(random() * paid.length)];
        const amount = random() < 0.5 ? undefined : { amount: 1 + Math.floor(random() * (target.left + 50)), currency: "USD" };
        try {
          const r = await refundDonation(deps, target.id, { amount });
          target.left -= r.amount.amount;
        } catch (error) {
          // Refused: more than what is left, or nothing left. Nothing may have moved.
          expect((error as Error).name).toBe("ConflictError");
          expect(amount === undefined ? target.left : amount.amount).toSatisfy((a: number) => target.left === 0 || a > target.left);
        }
        continue;
      }
      const number = CARDS[Math.floor(random() * CARDS.length)];
      try {
        const d = await createDonation(deps, {
          campaignId: CAMPAIGNS[Math.floor(random() * CAMPAIGNS.length)],
          amount: { amount: 1 + Math.floor(random() * 50_000), currency: "USD" },
          tipAmount: { amount: Math.floor(random() * 500), currency: "USD" },
          email: "x@example.org", ip: "203.0.113.9",
          card: { number, expMonth: 12, expYear: 2034, cvc: "123" },
        });
        expect(d.status).toBe("PAID");
        paid.push({ id: d.id, left: Number(d.amount) });
      } catch (error) {
        expect(error, `seed ${seed}`).toBeInstanceOf(PaymentDeclinedError);
      }
    }
    await relay.flush();
    await relay.stop();

    expect(await unbalancedGroups(db), `seed ${seed}`).toEqual([]);
    const ids = new Set(published.map((e) => e.eventId));
    expect(ids.size).toBe(published.length);
    for (const campaignId of CAMPAIGNS) {
      const fromEvents = published
        .filter((e) => e.data.campaignId === campaignId)
        .reduce((sum, e) => sum + (e.type === "donation.succeeded" ? (e.data.amount as { amount: number }).amount : e.type === "donation.refunded" ? -(e.data.amount as { amount: number }).amount : 0), 0);
      const { rows } = await db.query<{ net: number }>(
        "SELECT COALESCE(SUM(amount - refunded), 0)::bigint AS net FROM donations WHERE campaign_id = $1 AND status IN ('PAID', 'REFUNDED')",
        [campaignId],
      );
      const [ledger] = await accountBalances(db, `campaign:${campaignId}`);
      expect(Number(rows[0].net), `seed ${seed}`).toBe(fromEvents);
      expect((ledger?.credits ?? 0) - (ledger?.debits ?? 0), `seed ${seed}`).toBe(fromEvents);
    }
    console.log(`seed ${seed}: ${paid.length} paid donations, ${published.filter((e) => e.type === "donation.refunded").length} refunds, ${published.length} events`);
  }, 180_000);
});
