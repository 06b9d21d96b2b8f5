import { randomUUID } from "node:crypto";
import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { durableName, NatsEventBus } from "./nats.js";
import type { EventBus } from "./bus.js";
import { createEventBus } from "./factory.js";

const url = process.env.TEST_NATS_URL;

const published = (campaignId: string) =>
  createEvent("campaign.published", { campaignId, organizerId: "o1", title: "Wells", goal: { amount: 100_000, currency: "EUR" } });

/** How long a test waits for the bus to deliver (vi.waitFor's default of 1 s is short for a loaded machine). */
const DELIVERY = { timeout: 10_000, interval: 10 };

describe("durableName", () => {
  it("turns consumer names into names NATS accepts", () => {
    expect(durableName("campaign-service.totals")).toBe("campaign-service_totals");
    expect(durableName("a b/c>*")).toBe("a_b_c__");
  });
});

describe.skipIf(!url)("NatsEventBus on a real NATS JetStream server (TEST_NATS_URL unset: skipped)", () => {
  // Others share the server: a stream and subjects of our own.
  const run = randomUUID().slice(0, 8);
  const options = { url: url ?? "", stream: `BH_TEST_${run}`, subjectPrefix: `bhtest_${run}`, retryBaseMs: 20, retryMaxMs: 100, ackWaitMs: 2000 };
  let bus: NatsEventBus;

  beforeAll(async () => {
    bus = await NatsEventBus.connect(options);
  });
  afterAll(async () => {
    await bus.deleteStream();
    await bus.close();
  });

  it("delivers published events to a durable consumer, only the types it asked for", async () => {
    const seen: EventEnvelope[] = [];
    const sub = await bus.subscribe({
      consumer: "test.one", types: ["campaign.published", "campaign.paused"],
      handler: (e) => { seen.push(e); return Promise.resolve(); },
    });
    const a = published("c1");
    await bus.publish(a);
    await bus.publish(createEvent("donation.failed", { donationId: "d", campaignId: "c1", amount: { amount: 1, currency: "EUR" }, reason: "card_declined" }));
    const b = published("c2");
    await bus.publish(b);
    await vi.waitFor(() => expect(seen).toHaveLength(2), DELIVERY);
    expect(seen.map((e) => e.eventId)).toEqual([a.eventId, b.eventId]);
    await sub.unsubscribe();
  });

  it("keeps the cursor of a durable consumer across unsubscribe and a new connection", async () => {
    const seen: string[] = [];
    const handler = (e: EventEnvelope) => { seen.push(e.data.campaignId as string); return Promise.resolve(); };
    const sub = await bus.subscribe({ consumer: "test.cursor", types: ["campaign.published"], handler });
    await vi.waitFor(() => expect(seen).toHaveLength(2), DELIVERY); // c1, c2 from the first test: a new durable consumer starts at the beginning
    await sub.unsubscribe();
    await bus.publish(published("c3"));
    const other = await NatsEventBus.connect(options);
    const again = await other.subscribe({ consumer: "test.cursor", types: ["campaign.published"], handler });
    await vi.waitFor(() => expect(seen).toHaveLength(3), DELIVERY);
    expect(seen).toEqual(["c1", "c2", "c3"]);
    await again.unsubscribe();
    await other.close();
  });

  it("redelivers an event whose handler throws, until it succeeds", async () => {
    let calls = 0;
    const errors: number[] = [];
    const failing = await NatsEventBus.connect({ ...options, onError: (_e, _ev, _c, attempt) => errors.push(attempt) });
    const done: string[] = [];
    const event = published("flaky");
    const sub = await failing.subscribe({
      consumer: "test.flaky", types: ["campaign.published"],
      handler: (e) => {
        if (e.eventId !== event.eventId) return Promise.resolve();
        calls += 1;
        if (calls < 3) return Promise.reject(new Error("not yet"));
        done.push(e.eventId);
        return Promise.resolve();
      },
    });
    await failing.publish(event);
    await vi.waitFor(() => expect(done).toHaveLength(1), DELIVERY);
    expect(errors).toEqual([1, 2]);
    await sub.unsubscribe();
    await failing.close();
  });

  it("drops a second publish of the same event id (the relay may publish twice after a crash)", async () => {
    const seen: string[] = [];
    const event = published("dup");
    await bus.publish(event);
    await bus.publish(event);
    const sub = await bus.subscribe({ consumer: "test.dup", types: ["campaign.published"], handler: (e) => { seen.push(e.eventId); return Promise.resolve(); } });
    await vi.waitFor(() => expect(seen).toContain(event.eventId), DELIVERY);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.filter((id) => id === event.eventId)).toHaveLength(1);
    await sub.unsubscribe();
  });

  // Issue 12: development, staging and production share one NATS server. Each environment's own
  // stream, subjects and durable names keep the same consumer of one environment away from another's events.
  it("keeps two environments on one server apart: the same service's consumer sees only its own environment's events", async () => {
    const settings = (env: string) => ({ NATS_URL: url, NATS_STREAM: `BH_TEST_${run}_${env.toUpperCase()}`, NATS_SUBJECT_PREFIX: `bhtest_${run}_${env}.events`, NATS_DURABLE_PREFIX: env, SERVICE_NAME: "campaign-service" });
    const environments = ["staging", "production"].map((env) => ({ env, seen: [] as string[] }));
    const buses: EventBus[] = [];
    try {
      for (const { env } of environments) buses.push(await createEventBus(settings(env)));
      const subs = await Promise.all(
        environments.map(({ seen }, i) =>
          (buses[i] as NatsEventBus).subscribe({ consumer: "campaign-service.totals", types: ["campaign.published"], handler: (e) => { seen.push(e.data.campaignId as string); return Promise.resolve(); } }),
        ),
      );
      for (const [i, { env }] of environments.entries()) for (const n of [1, 2, 3]) await (buses[i] as NatsEventBus).publish(published(`${env}-${n}`));
      await vi.waitFor(() => expect(environments.map(({ seen }) => seen.length >= 3)).toEqual([true, true]), DELIVERY);
      await new Promise((r) => setTimeout(r, 200));
      expect(environments[0]?.seen).toEqual(["staging-1", "staging-2", "staging-3"]);
      expect(environments[1]?.seen).toEqual(["production-1", "production-2", "production-3"]);
      const nc = await connect({ servers: url ?? "" });
      const jsm = await nc.jetstreamManager();
      expect((await jsm.consumers.info(`BH_TEST_${run}_PRODUCTION`, "production_campaign-service_totals")).config.filter_subject).toBe(`bhtest_${run}_production.events.campaign.published`);
      await nc.close();
      await Promise.all(subs.map((s) => s.unsubscribe()));
    } finally {
      for (const bus of buses) {
        await (bus as NatsEventBus).deleteStream();
        await bus.close();
      }
    }
  });

  it("is what createEventBus returns when NATS_URL is set", async () => {
    const viaEnv = await createEventBus({ NATS_URL: url, NATS_STREAM: options.stream, NATS_SUBJECT_PREFIX: options.subjectPrefix });
    expect(viaEnv).toBeInstanceOf(NatsEventBus);
    await viaEnv.close();
  });
});
