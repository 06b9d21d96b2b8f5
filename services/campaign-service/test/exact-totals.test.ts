import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import { InProcessEventBus, migrateService, type Database } from "@blessed-horizon/service-kit";
import { testConfig, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { TOTALS_CONSUMER } from "../src/consumers/totals.js";
import { alice, seedCampaign, eventually } from "./helpers.js";

const usd = (amount: number) => ({ amount, currency: "USD" });
const MAX = Number.MAX_SAFE_INTEGER;

/** Issue 13 case 4: a total is returned exactly or not at all, never as Number() of a bigint rounded past 2^53. */
describe.each(testDatabases())("exact campaign totals on $kind", (target) => {
  let db: Database;
  let bus: InProcessEventBus;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    bus = new InProcessEventBus({ retryBaseMs: 5, retryMaxMs: 20 });
    app = await buildApp({ config: { ...testConfig(), LIST_CACHE_TTL_MS: 0 }, db, bus });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await bus.close();
    await db.close();
  });

  const campaign = async (goal = MAX) => seedCampaign(app, await alice(), ["publish", "approve"], { title: "Big", story: "s", beneficiary: "b", goal: usd(goal) });
  /** Seeds the total straight into the database: no real donations could get this near the limit. */
  const seedRaised = (id: string, raised: bigint) => db.query("update campaign_totals set raised_amount = $2 where campaign_id = $1", [id, raised.toString()]);
  const totals = (id: string) => app.inject({ url: `/api/v1/campaigns/${id}/totals` });
  const stored = async (id: string) => String((await db.query<{ raised: string }>("select raised_amount::text as raised from campaign_totals where campaign_id = $1", [id])).rows[0].raised);
  const processed = async (eventId: string) => (await db.query("select 1 from processed_events where consumer = $1 and event_id = $2", [TOTALS_CONSUMER, eventId])).rows.length === 1;

  it("returns a total of exactly 2^53 - 1 and its percent exactly", async () => {
    const c = await campaign();
    await seedRaised(c.id, BigInt(MAX));
    const res = await totals(c.id);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`"amount":${MAX}`);
    expect(res.json()).toMatchObject({ raised: usd(MAX), goal: usd(MAX), percent: 100 });
  });

  it("computes the percent of a total near 2^53 without float rounding", async () => {
    const c = await campaign(MAX);
    await seedRaised(c.id, BigInt(MAX) - 1n);
    // (2^53 - 2) * 10000 / (2^53 - 1) is 9999.99...: rounded down, 99.99, never 100.
    expect((await totals(c.id)).json()).toMatchObject({ percent: 99.99 });
  });

  it("never answers a stored total past 2^53 - 1 with a rounded number", async () => {
    const c = await campaign();
    await seedRaised(c.id, 2n ** 53n + 1n);
    const res = await totals(c.id);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.body).not.toContain("9007199254740992");
  });

  it("does not apply a donation event that would take the total past 2^53 - 1, and is not stuck on it", async () => {
    const c = await campaign();
    await seedRaised(c.id, BigInt(MAX) - 100n);
    const tooMuch = createEvent("donation.succeeded", { donationId: randomUUID(), campaignId: c.id, organizerId: "alice", amount: usd(101), tip: usd(0), fee: usd(0) });
    await bus.publish(tooMuch);
    await vi.waitFor(async () => expect(await processed(tooMuch.eventId)).toBe(true), eventually);
    expect(await stored(c.id)).toBe(String(MAX - 100));
    const fits = createEvent("donation.succeeded", { donationId: randomUUID(), campaignId: c.id, organizerId: "alice", amount: usd(100), tip: usd(0), fee: usd(0) });
    await bus.publish(fits);
    await vi.waitFor(async () => expect(await stored(c.id)).toBe(String(MAX)), eventually);
    expect((await totals(c.id)).json()).toMatchObject({ raised: usd(MAX), donationCount: 1 });
  });
});
