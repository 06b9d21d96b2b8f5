import { randomUUID } from "node:crypto";
import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { InProcessEventBus, migrateService, type Database } from "@blessed-horizon/service-kit";
import { countingStatements, testConfig, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { applyDonationEvent, totalsConsumer } from "../src/consumers/totals.js";
import { TRUST_CONSUMER } from "../src/consumers/trust-decisions.js";
import { alice, seedCampaign, tara, eventually } from "./helpers.js";

const usd = (amount: number) => ({ amount, currency: "USD" });

describe.each(testDatabases())("campaign events on $kind", (target) => {
  let db: Database;
  let bus: InProcessEventBus;
  let app: FastifyInstance;
  const seen: EventEnvelope[] = [];
  const busErrors: Array<{ consumer: string; error: unknown }> = [];

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    bus = new InProcessEventBus({ retryBaseMs: 5, retryMaxMs: 20, onError: (error, _e, consumer) => busErrors.push({ consumer, error }) });
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
    await vi.waitFor(() => expect(seen.some((e) => e.type === "campaign.paused" && e.data.campaignId === c.id)).toBe(true), eventually);
    const mine = seen.filter((e) => e.data.campaignId === c.id);
    expect(mine.map((e) => e.type)).toEqual(["campaign.published", "campaign.paused"]);
    expect(mine[0].data).toMatchObject({ organizerId: "alice", title: "Wells", goal: usd(10_000) });
    await app.inject({ method: "POST", url: `/api/v1/campaigns/${c.id}/suspend`, headers: await tara() });
    await app.inject({ method: "POST", url: `/api/v1/campaigns/${c.id}/reinstate`, headers: await tara() });
    await vi.waitFor(() => expect(seen.some((e) => e.type === "campaign.reinstated" && e.data.campaignId === c.id)).toBe(true), eventually);
  });

  it("raises and lowers totals from donation events, once each, and announces the goal once", async () => {
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Roof", story: "s", beneficiary: "b", goal: usd(1_000) });
    const first = succeeded(c.id, 600);
    await bus.publish(first);
    await bus.publish(first); // redelivered
    await vi.waitFor(async () => expect((await totals(c.id)).raised.amount).toBe(600), eventually);
    const second = succeeded(c.id, 500);
    await bus.publish(second);
    await vi.waitFor(async () => expect((await totals(c.id)).raised.amount).toBe(1_100), eventually);
    expect((await totals(c.id)).donationCount).toBe(2);
    await vi.waitFor(() => expect(seen.some((e) => e.type === "campaign.goal_reached" && e.data.campaignId === c.id)).toBe(true), eventually);

    await bus.publish(createEvent("donation.refunded", {
      donationId: second.data.donationId, campaignId: c.id, refundId: randomUUID(), amount: usd(500), totalRefunded: usd(500), captured: usd(500),
    }));
    await vi.waitFor(async () => expect((await totals(c.id)).raised.amount).toBe(600), eventually);
    expect((await totals(c.id)).donationCount).toBe(1);
    await bus.publish(succeeded(c.id, 700)); // reaches the goal again: no second announcement
    await vi.waitFor(async () => expect((await totals(c.id)).raised.amount).toBe(1_300), eventually);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.filter((e) => e.type === "campaign.goal_reached" && e.data.campaignId === c.id)).toHaveLength(1);
  });

  it("applies a donation short of the goal with its inbox row in one statement (no transaction), and a redelivery not at all", async () => {
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Well", story: "s", beneficiary: "b", goal: usd(1_000) });
    const { db: counted, statements } = countingStatements(db, "a donation short of the goal needs no transaction");
    const event = succeeded(c.id, 300);
    expect(await applyDonationEvent(counted, event)).toBe(true);
    expect(statements).toHaveLength(1);
    expect(await applyDonationEvent(counted, event)).toBe(false);
    expect(statements).toHaveLength(2);
    const refund = createEvent("donation.refunded", {
      donationId: event.data.donationId, campaignId: c.id, refundId: randomUUID(), amount: usd(100), totalRefunded: usd(100), captured: usd(300),
    });
    statements.length = 0;
    expect(await applyDonationEvent(counted, refund)).toBe(true);
    expect(statements).toHaveLength(1);
    expect(await applyDonationEvent(counted, refund)).toBe(false);
    expect(statements).toHaveLength(2);
    expect(await totals(c.id)).toMatchObject({ raised: { amount: 200 }, donationCount: 1 });
  });

  it("asks the relay to publish only after an event that wrote to the outbox (the goal reached), not after every total it moved", async () => {
    // The kit's EventConsumer.handle contract: true means "wrote to the outbox", and each true costs a relay poll.
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Bell", story: "s", beneficiary: "b", goal: usd(1_000) });
    const applied: string[] = [];
    const consumer = totalsConsumer(db, () => applied.push("changed"));
    expect(await consumer.handle(succeeded(c.id, 400))).toBe(false);
    const reaching = succeeded(c.id, 600);
    expect(await consumer.handle(reaching)).toBe(true);
    expect(await consumer.handle(reaching)).toBe(false); // a redelivery writes nothing
    expect(await consumer.handle(succeeded(c.id, 50))).toBe(false); // past the goal: totals only
    expect(applied).toHaveLength(3);
    expect(await totals(c.id)).toMatchObject({ raised: { amount: 1_050 }, donationCount: 3 });
  });

  it("applies concurrent deliveries of one donation event once", async () => {
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Pump", story: "s", beneficiary: "b", goal: usd(1_000) });
    const event = succeeded(c.id, 250);
    const applied = await Promise.all([applyDonationEvent(db, event), applyDonationEvent(db, event), applyDonationEvent(db, event)]);
    expect(applied.filter(Boolean)).toHaveLength(1);
    expect(await totals(c.id)).toMatchObject({ raised: { amount: 250 }, donationCount: 1 });
  });

  it("skips events for unknown campaigns and events that break their contract, without blocking the next", async () => {
    await bus.publish(succeeded(randomUUID(), 100));
    await bus.publish(succeeded("not-a-uuid", 100));
    await bus.publish({ eventId: randomUUID(), type: "donation.succeeded", occurredAt: new Date().toISOString(), data: { campaignId: "x" } });
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Next", story: "s", beneficiary: "b", goal: usd(5_000) });
    await bus.publish(succeeded(c.id, 42));
    await vi.waitFor(async () => expect((await totals(c.id)).raised.amount).toBe(42), eventually);
  });

  const trust = (subjectId: string, decision: "allow" | "review" | "block", kind: "campaign" | "donation" = "campaign") =>
    createEvent("trust.decision", { assessmentId: randomUUID(), kind, subjectId, score: decision === "block" ? 95 : 10, decision, reasons: ["test"] });
  const statusOf = async (id: string) => (await app.inject({ url: `/api/v1/campaigns/${id}`, headers: await tara() })).json<{ status: string }>().status;
  const suspendedInOutbox = async (id: string) =>
    (await db.query<{ n: number }>("select count(*)::int as n from event_outbox where type = 'campaign.suspended' and data->>'campaignId' = $1", [id])).rows[0].n;
  const recorded = async (eventId: string) =>
    (await db.query("select 1 from processed_events where consumer = $1 and event_id = $2", [TRUST_CONSUMER, eventId])).rows.length === 1;

  it("suspends a campaign trust blocks, once per event, remembering the status it had", async () => {
    const c = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Fraud?", story: "s", beneficiary: "b", goal: usd(9_000) });
    const block = trust(c.id, "block");
    await bus.publish(block);
    await bus.publish(block); // redelivered
    await vi.waitFor(() => expect(seen.some((e) => e.type === "campaign.suspended" && e.data.campaignId === c.id)).toBe(true), eventually);
    expect(await statusOf(c.id)).toBe("suspended");
    expect(seen.find((e) => e.type === "campaign.suspended" && e.data.campaignId === c.id)?.data).toMatchObject({ organizerId: "alice" });
    // A second block for the now suspended campaign is a recorded no-op.
    const again = trust(c.id, "block");
    await bus.publish(again);
    await vi.waitFor(async () => expect(await recorded(again.eventId)).toBe(true), eventually);
    expect(await suspendedInOutbox(c.id)).toBe(1);
    expect((await app.inject({ url: `/api/v1/campaigns/${c.id}` })).statusCode).toBe(404); // hidden from the public
    const reinstated = await app.inject({ method: "POST", url: `/api/v1/campaigns/${c.id}/reinstate`, headers: await tara() });
    expect(reinstated.json<{ status: string }>().status).toBe("active");
  });

  it("leaves allow, review and donation decisions alone, and applies blocks it cannot act on as no-ops", async () => {
    const live = await seedCampaign(app, await alice(), ["publish", "approve"], { title: "Fine", story: "s", beneficiary: "b", goal: usd(9_000) });
    const draft = await seedCampaign(app, await alice(), [], { title: "Draft", story: "s", beneficiary: "b", goal: usd(9_000) });
    const ended = await seedCampaign(app, await alice(), ["publish", "approve", "end"], { title: "Done", story: "s", beneficiary: "b", goal: usd(9_000) });
    const noOps = [trust(draft.id, "block"), trust(ended.id, "block"), trust(randomUUID(), "block"), trust("not-a-uuid", "block")];
    await bus.publish(trust(live.id, "allow"));
    await bus.publish(trust(live.id, "review"));
    await bus.publish(trust(live.id, "block", "donation"));
    for (const e of noOps) await bus.publish(e);
    // Delivery is in order: once a later block has acted, everything before it was handled.
    const next = await seedCampaign(app, await alice(), ["publish"], { title: "Next", story: "s", beneficiary: "b", goal: usd(9_000) });
    await bus.publish(trust(next.id, "block"));
    await vi.waitFor(async () => expect(await statusOf(next.id)).toBe("suspended"), eventually);
    expect([await statusOf(live.id), await statusOf(draft.id), await statusOf(ended.id)]).toEqual(["active", "draft", "ended"]);
    expect([await suspendedInOutbox(live.id), await suspendedInOutbox(draft.id), await suspendedInOutbox(ended.id)]).toEqual([0, 0, 0]);
    for (const e of noOps) expect(await recorded(e.eventId)).toBe(true);
    expect(busErrors.filter((e) => e.consumer === TRUST_CONSUMER)).toEqual([]);
  });
});
