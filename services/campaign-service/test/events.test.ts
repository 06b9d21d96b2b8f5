import { randomUUID } from "node:crypto";
import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { InProcessEventBus, migrateService, type Database } from "@blessed-horizon/service-kit";
import { testConfig, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { alice, seedCampaign, tara } from "./helpers.js";

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const usd = (amount: number) => ({ amount, currency: "USD" });

describe.each(testDatabases())("campaign events on $kind", (target) => {
  let db: Database;
  let bus: InProcessEventBus;
  let app: FastifyInstance;
  const seen: EventEnvelope[] = [];

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    bus = new InProcessEventBus();
    await bus.subscribe({
      consumer: "test.recorder",
      types: ["campaign.published", "campaign.paused", "campaign.ended", "campaign.suspended", "campaign.reinstated", "campaign.goal_reached"],
      handler: (e) => { seen.push(e); return Promise.resolve(); },
    });
    app = await buildApp({ config: { ...testConfig(), LIST_CACHE_TTL_MS: 0 }, db, bus });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await bus.close();
    await db.close();
  });

  const totals = async (id: string) => (await app.inject({ url: `/api/v1/campaigns/${id}/totals` })).json<{ raised: { amount: number }; donationCount: number }>();
  const succeeded = (campaignId: string, amount: number) =>
    createEvent("donation.succeeded", { donationId: randomUUID(), campaignId, organizerId: "alice", amount: usd(amount), tip: usd(0), fee: usd(30) });

  it("announces lifecycle changes through the outbox", async () => {
    const c = await seedCampaign(app, await alice(), ["publish", "approve", "pause"], { title: "Wells", story: "s", beneficiary: "b", goal: usd(10_000) });
    await until(() => seen.some((e) => e.type === "campaign.paused" && e.data.campaignId === c.id));
    const mine = seen.filter((e) => e.data.campaignId === c.id);
    expect(mine.map((e) => e.type)).toEqual(["campaign.published", "campaign.paused"]);
    expect(mine[0].data).toMatchObject({ organizerId: "alice", title: "Wells", goal: usd(10_000) });
    await app.inject({ method: "POST", url: `/api/v1/campaigns/${c.id}/suspend`, headers: await tara() });
    await app.inject({ method: "POST", url: `/api/v1/campaigns/${c.id}/reinstate`, headers: await tara() });
    await until(() => seen.some((e) => e.type === "campaign.reinstated" && e.data.campaignId === c.id));
  });

  it("raises and lowers totals from donation events, once each, and announces the goal once", async () => {
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Roof", story: "s", beneficiary: "b", goal: usd(1_000) });
    const first = succeeded(c.id, 600);
    await bus.publish(first);
    await bus.publish(first); // redelivered
    await until(async () => (await totals(c.id)).raised.amount === 600);
    const second = succeeded(c.id, 500);
    await bus.publish(second);
    await until(async () => (await totals(c.id)).raised.amount === 1_100);
    expect((await totals(c.id)).donationCount).toBe(2);
    await until(() => seen.some((e) => e.type === "campaign.goal_reached" && e.data.campaignId === c.id));

    await bus.publish(createEvent("donation.refunded", {
      donationId: second.data.donationId, campaignId: c.id, refundId: randomUUID(), amount: usd(500), totalRefunded: usd(500), captured: usd(500),
    }));
    await until(async () => (await totals(c.id)).raised.amount === 600);
    expect((await totals(c.id)).donationCount).toBe(1);
    await bus.publish(succeeded(c.id, 700)); // reaches the goal again: no second announcement
    await until(async () => (await totals(c.id)).raised.amount === 1_300);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.filter((e) => e.type === "campaign.goal_reached" && e.data.campaignId === c.id)).toHaveLength(1);
  });

  it("skips events for unknown campaigns and events that break their contract, without blocking the next", async () => {
    await bus.publish(succeeded(randomUUID(), 100));
    await bus.publish(succeeded("not-a-uuid", 100));
    await bus.publish({ eventId: randomUUID(), type: "donation.succeeded", occurredAt: new Date().toISOString(), data: { campaignId: "x" } });
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Next", story: "s", beneficiary: "b", goal: usd(5_000) });
    await bus.publish(succeeded(c.id, 42));
    await until(async () => (await totals(c.id)).raised.amount === 42);
  });
});
