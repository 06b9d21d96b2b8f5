import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { migrateService, type Database, type SqlQueryable } from "@blessed-horizon/service-kit";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TRUST_CONFIG, type TrustConfig } from "../domain/config.js";
import type { DonationAssessmentInput } from "../domain/input.js";
import { assess } from "../domain/rules.js";
import { recordDonationAttempt } from "./signals.js";

const migrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url));
const now = new Date("2026-03-01T12:00:00Z");
/** The payment-service bench's settings (services/payment-service/bench/donations.ts). */
const BENCH: TrustConfig = { ...DEFAULT_TRUST_CONFIG, ipPerHour: 1_000_000_000, donorPerHour: 10_000, donorCampaignPerHour: 10_000, amountMinSamples: 1_000_000_000 };
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

/** Rows of trust_attempts (heap or index) that a plan read: what each scan returned plus what its filters threw away. */
function attemptRowsRead(node: PlanNode): number {
  const scansAttempts = node["Node Type"] !== "ModifyTable" && (node["Relation Name"] === "trust_attempts" || (node["Index Name"] ?? "").startsWith("trust_attempts"));
  const own = scansAttempts ? (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0)) * node["Actual Loops"] : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + attemptRowsRead(child), 0);
}

describe.each(testDatabases())("recordDonationAttempt on $kind", (target) => {
  let db: Database;

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
  });
  afterAll(async () => db?.close());

  const donation = (over: Partial<DonationAssessmentInput> = {}): DonationAssessmentInput => ({
    kind: "donation",
    donationId: unique("don"),
    campaignId: unique("camp"),
    amount: { amount: 1000, currency: "USD" },
    email: `${unique("donor")}@example.org`.toLowerCase(),
    ip: `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`,
    cardFingerprint: unique("card"),
    ...over,
  });

  /**
   * `count` attempts from `input`'s IP and card to its campaign, each from another donor (the email of the
   * g-th is `<prefix>-g@example.org`), one per `stepSeconds` back from `from`; by default every third failed.
   * Resolves the donor of the first (succeeded by default).
   */
  async function seed(input: DonationAssessmentInput, count: number, from: Date, stepSeconds: number, amount = "100 + g % 5000", outcome = "CASE WHEN g % 3 = 0 THEN 'failed' ELSE 'succeeded' END") {
    const prefix = unique("seed");
    await db.query(
      `INSERT INTO trust_attempts (id, donation_id, campaign_id, donor_key, ip, card_fingerprint, amount, currency, outcome, created_at)
       SELECT gen_random_uuid(), $1 || g, $2, 'email:' || $1 || '-' || g || '@example.org', $3, $4, ${amount}, 'USD', ${outcome},
              $5::timestamptz - g * ($6 || ' seconds')::interval
         FROM generate_series(1, $7::int) g`,
      [prefix, input.campaignId, input.ip, input.cardFingerprint, from.toISOString(), String(stepSeconds), count],
    );
    await db.exec("ANALYZE trust_attempts");
    return `${prefix}-1@example.org`;
  }

  /** EXPLAIN ANALYZE of the assessment's statement, rolled back: how many attempt rows it read. */
  async function rowsRead(input: DonationAssessmentInput, config: TrustConfig): Promise<number> {
    let statement = { sql: "", params: [] as readonly unknown[] };
    const recorder: SqlQueryable = {
      query: <T>(sql: string, params?: readonly unknown[]) => {
        statement = { sql, params: params ?? [] };
        return Promise.resolve({ rows: [{ assessed: true }] as T[], rowCount: 1 });
      },
    };
    await recordDonationAttempt(recorder, { id: randomUUID(), input }, config, now);
    let plan: unknown;
    const rollBack = new Error("roll back the explained attempt");
    await db
      .transaction(async (tx) => {
        plan = (await tx.query<Record<string, unknown>>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.sql}`, statement.params)).rows[0]["QUERY PLAN"];
        throw rollBack;
      })
      .catch((error: unknown) => {
        if (error !== rollBack) throw error;
      });
    const [root] = (typeof plan === "string" ? JSON.parse(plan) : plan) as [{ Plan: PlanNode }];
    return attemptRowsRead(root.Plan);
  }

  const verdict = async (input: DonationAssessmentInput, config: TrustConfig) => {
    const signals = await recordDonationAttempt(db, { id: randomUUID(), input }, config, now);
    if (!signals) throw new Error("the donation was assessed already");
    return assess(signals, config);
  };

  it("reads as many attempt rows with 10,000 attempts from one IP and card to one campaign as with 1,000", async () => {
    const config = { ...DEFAULT_TRUST_CONFIG, amountSample: 100 };
    const read = async (count: number) => {
      const input = donation();
      // One a second: the hour holds all 1,000 and 3,600 of the 10,000; 30 days hold all.
      const returning = await seed(input, count, now, 1);
      // A new donor (the amount rule applies) and a returning one (it does not), both from the hot IP and card.
      return [await rowsRead(input, config), await rowsRead({ ...input, email: returning }, config)];
    };
    const [small, large] = [await read(1_000), await read(10_000)];
    expect(large).toEqual(small);
    expect(Math.max(...large)).toBeLessThan(300);
  });

  it("with the bench's settings, reads the last hour's attempts, not the older history", async () => {
    const small = donation();
    const large = donation();
    for (const [input, older] of [[small, 1_000], [large, 10_000]] as const) {
      await seed(input, 50, now, 60); // 50 in the last hour
      await seed(input, older, new Date(now.getTime() - 31 * 86_400_000), 60); // older than the card-testing window
    }
    const [readSmall, readLarge] = [await rowsRead(small, BENCH), await rowsRead(large, BENCH)];
    expect(readLarge).toBe(readSmall);
    expect(readLarge).toBeLessThan(300);
  });

  it("reviews IP velocity once the limit is passed, not when it is reached, however many attempts there were", async () => {
    // Another donor and campaign from the seeded IP, so that only the IP's count matters.
    const fromIp = (input: DonationAssessmentInput) => donation({ ip: input.ip, cardFingerprint: input.cardFingerprint });
    const atLimit = donation();
    await seed(atLimit, 4, now, 60, "100", "'succeeded'"); // with this one, 5 in the hour: the limit
    expect((await verdict(fromIp(atLimit), DEFAULT_TRUST_CONFIG)).reasons).toEqual([]);
    const passed = donation();
    await seed(passed, 5, now, 60, "100", "'succeeded'");
    expect((await verdict(fromIp(passed), DEFAULT_TRUST_CONFIG)).reasons).toEqual([{ code: "ip_velocity", message: "more than 5 attempts from this IP in an hour" }]);
    const hot = donation();
    await seed(hot, 2_000, now, 1, "100", "'succeeded'");
    expect((await verdict(fromIp(hot), DEFAULT_TRUST_CONFIG)).reasons).toEqual([
      { code: "ip_velocity", message: "more than 5 attempts from this IP in an hour" },
    ]);
  });

  it("judges card testing on the card's most recent attempts within the window", async () => {
    const config = { ...DEFAULT_TRUST_CONFIG, cardTestingWindow: 10 };
    const cardFingerprint = unique("card");
    // 10 older successes, then 9 recent failures: 9 of the last 10 failed (9 of 20 in 30 days would not trip).
    await seed(donation({ cardFingerprint }), 10, new Date(now.getTime() - 10 * 86_400_000), 60, "100", "'succeeded'");
    await seed(donation({ cardFingerprint }), 9, now, 60, "100", "'failed'");
    const attempt = await verdict(donation({ cardFingerprint }), config);
    expect(attempt.reasons).toEqual([{ code: "card_testing", message: "9 of the last 10 attempts with this card failed in 30 days" }]);
  });

  it("takes the amount percentile over the campaign's most recent succeeded donations", async () => {
    const config = { ...DEFAULT_TRUST_CONFIG, amountSample: 20 };
    const campaignId = unique("camp");
    await seed(donation({ campaignId }), 20, new Date(now.getTime() - 60 * 86_400_000), 60, "100000", "'succeeded'"); // old, large
    await seed(donation({ campaignId }), 20, now, 60, "g * 100", "'succeeded'"); // recent: 100 ... 2,000; the 95th percentile 1,900
    expect((await verdict(donation({ campaignId, amount: { amount: 1900, currency: "USD" } }), config)).reasons.map((r) => r.code)).toEqual(["amount_outlier"]);
    expect((await verdict(donation({ campaignId, amount: { amount: 1800, currency: "USD" } }), config)).reasons).toEqual([]);
    // More samples required than the sample holds: the rule cannot apply.
    const silent = { ...config, amountMinSamples: 21 };
    expect((await verdict(donation({ campaignId, amount: { amount: 500_000, currency: "USD" } }), silent)).reasons).toEqual([]);
  });
});
