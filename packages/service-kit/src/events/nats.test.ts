import { randomUUID } from "node:crypto";
import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { AckPolicy, connect, DeliverPolicy, type JetStreamManager, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { consumerFilter, durableName, NatsConsumerFilterError, NatsEventBus, planFilterUpdate, supportsMultipleFilters } from "./nats.js";
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

describe("consumerFilter", () => {
  const types = ["donation.succeeded", "donation.refunded"];
  it("lists one subject per type on servers that take several filters (2.10+)", () => {
    expect(consumerFilter("events", types, true)).toEqual({ filter_subject: undefined, filter_subjects: ["events.donation.succeeded", "events.donation.refunded"] });
    expect(consumerFilter("events", ["campaign.paused", "campaign.paused"], true)).toEqual({ filter_subject: "events.campaign.paused", filter_subjects: undefined });
  });
  it("takes the narrowest single subject before 2.10: one type, the shared first token, else the whole prefix", () => {
    expect(consumerFilter("events", ["trust.decision"], false)).toEqual({ filter_subject: "events.trust.decision", filter_subjects: undefined });
    expect(consumerFilter("events", types, false).filter_subject).toBe("events.donation.*");
    expect(consumerFilter("stg.events", ["campaign.paused", "campaign.ended", "campaign.suspended"], false).filter_subject).toBe("stg.events.campaign.*");
    expect(consumerFilter("events", ["donation.succeeded", "donation.failed", "campaign.published"], false).filter_subject).toBe("events.>");
    expect(consumerFilter("events", ["a.b.c", "a.b.d", "a.e"], false).filter_subject).toBe("events.a.>");
  });
});

describe("supportsMultipleFilters", () => {
  it("is true from nats-server 2.10 on", () => {
    expect(["2.9.10", "2.10.0", "2.11.4", "3.0.0-beta", undefined].map(supportsMultipleFilters)).toEqual([false, true, true, true, false]);
  });
});

describe("planFilterUpdate", () => {
  it("widens a filter without wildcards only on 2.10+: 2.9 keeps its literal match after the update and delivers nothing", () => {
    expect(planFilterUpdate({ filter_subject: "events.campaign.paused" }, consumerFilter("events", ["campaign.paused", "campaign.ended"], false), false)).toBe("refuse");
    expect(planFilterUpdate({ filter_subject: "events.>" }, consumerFilter("events", ["campaign.paused", "campaign.ended"], false), false)).toBe("update");
    expect(planFilterUpdate({ filter_subject: "events.campaign.paused" }, consumerFilter("events", ["campaign.ended"], false), false)).toBe("update");
    expect(planFilterUpdate({ filter_subject: "events.campaign.paused" }, consumerFilter("events", ["campaign.paused", "campaign.ended"], true), true)).toBe("update");
    expect(planFilterUpdate({}, consumerFilter("events", ["campaign.paused", "campaign.ended"], false), false)).toBe("refuse"); // no filter: the same literal path
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

  it("keeps the order of publishes in flight together (the outbox relay sends a batch before it awaits the answers)", async () => {
    const events = Array.from({ length: 20 }, (_, i) => createEvent("campaign.ended", { campaignId: `order-${i}`, organizerId: "o1" }));
    await Promise.all(events.map((e) => bus.publish(e)));
    const seen: string[] = [];
    const sub = await bus.subscribe({ consumer: "test.order", types: ["campaign.ended"], handler: (e) => { seen.push(e.eventId); return Promise.resolve(); } });
    await vi.waitFor(() => expect(seen).toHaveLength(events.length), DELIVERY);
    expect(seen).toEqual(events.map((e) => e.eventId));
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

  describe("server-side filters: a consumer gets only the subjects of its types", () => {
    // Each test its own stream. Upstream: nats-server server/consumer.go, (o *consumer) updateConfig:
    // an update that changes the filters keeps the consumer's stream position and pending acks
    // (2.10+ also rebuilds its subject filters); checkConsumerCfg rejects FilterSubject together with FilterSubjects.
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    let multipleFilters = false;
    beforeAll(async () => {
      nc = await connect({ servers: url ?? "" });
      jsm = await nc.jetstreamManager();
      const [major = 0, minor = 0] = (nc.info?.version ?? "0.0.0").split(".").map(Number);
      multipleFilters = major > 2 || (major === 2 && minor >= 10);
    });
    afterAll(async () => {
      await nc.close();
    });

    const raw = (type: string, n: number): EventEnvelope => ({ eventId: randomUUID(), type, occurredAt: new Date().toISOString(), data: { n } });
    async function ownStream<T>(name: string, body: (bus: NatsEventBus, opts: typeof options) => Promise<T>): Promise<T> {
      const opts = { ...options, stream: `BH_TEST_${run}_${name}`, subjectPrefix: `bhtest_${run}_${name}.events` };
      const own = await NatsEventBus.connect(opts);
      try {
        return await body(own, opts);
      } finally {
        await own.deleteStream();
        await own.close();
      }
    }
    /** The bench's mix: per donation one trust.decision and a couple of notification.delivered. */
    async function publishNoise(to: NatsEventBus, count: number): Promise<void> {
      for (let n = 0; n < count; n++) await to.publish(raw(n % 3 === 0 ? "trust.decision" : "notification.delivered", n));
    }

    it("delivers a consumer of two types only those events, not every event of the stream (delivered.consumer_seq)", async () => {
      await ownStream("TWO", async (own, opts) => {
        const seen: string[] = [];
        const wanted = [raw("donation.succeeded", 1), raw("donation.refunded", 2), raw("donation.succeeded", 3)];
        await publishNoise(own, 20);
        await own.publish(wanted[0]);
        await publishNoise(own, 20);
        await own.publish(wanted[1]);
        await own.publish(wanted[2]);
        await publishNoise(own, 20);
        const sub = await own.subscribe({ consumer: "campaign-service.totals", types: ["donation.succeeded", "donation.refunded"], handler: (e) => { seen.push(e.eventId); return Promise.resolve(); } });
        await vi.waitFor(() => expect(seen).toHaveLength(3), DELIVERY);
        const info = await jsm.consumers.info(opts.stream, "campaign-service_totals");
        expect(seen).toEqual(wanted.map((e) => e.eventId));
        expect(info.delivered.consumer_seq).toBe(3); // today's `<prefix>.>` filter: 63, one per event of the stream
        expect(info.num_pending).toBe(0);
        await sub.unsubscribe();
      });
    });

    it("narrows an existing durable that filters on `<prefix>.>` in place: its pending events come exactly once, nothing replays", async () => {
      await ownStream("OLD", async (own, opts) => {
        const durable = "campaign-service_totals";
        await jsm.consumers.add(opts.stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: `${opts.subjectPrefix}.>`, ack_wait: 2_000_000_000 });
        const before = [raw("donation.succeeded", 1), raw("donation.refunded", 2), raw("donation.succeeded", 3)];
        await own.publish(before[0]);
        await publishNoise(own, 5);
        await own.publish(before[1]);
        await own.publish(before[2]);
        // The old code's progress: the first six events handled and acked, the seventh delivered and not acked (a crash).
        const old = await nc.jetstream().consumers.get(opts.stream, durable);
        for (let n = 0; n < 7; n++) {
          const m = await old.next({ expires: 5_000 });
          if (n < 6) await m?.ackAck();
        }
        const created = (await jsm.consumers.info(opts.stream, durable)).created;
        const seen: string[] = [];
        const sub = await own.subscribe({ consumer: "campaign-service.totals", types: ["donation.succeeded", "donation.refunded"], handler: (e) => { seen.push(e.eventId); return Promise.resolve(); } });
        const after = raw("donation.refunded", 4);
        await publishNoise(own, 5);
        await own.publish(after);
        await vi.waitFor(() => expect(seen).toHaveLength(3), DELIVERY); // before[1] after its ack wait, before[2], after
        await new Promise((r) => setTimeout(r, 300));
        expect(new Set(seen)).toEqual(new Set([before[1].eventId, before[2].eventId, after.eventId]));
        expect(seen).toHaveLength(3);
        const info = await jsm.consumers.info(opts.stream, durable);
        expect(info.created).toBe(created); // updated, not deleted and made again
        expect(info.config.filter_subject ?? info.config.filter_subjects).toEqual(
          multipleFilters ? [`${opts.subjectPrefix}.donation.succeeded`, `${opts.subjectPrefix}.donation.refunded`] : `${opts.subjectPrefix}.donation.*`,
        );
        expect(info.num_ack_pending).toBe(0);
        expect(info.delivered.consumer_seq).toBe(10); // the old code's 7, then the redelivery and 2 more: no noise
        await sub.unsubscribe();
      });
    });

    it("refuses to widen a one-type durable before 2.10 (the server would stop delivering to it) and leaves it as it was", async () => {
      await ownStream("WIDEN", async (own, opts) => {
        const handler = () => Promise.resolve();
        const one = await own.subscribe({ consumer: "payment-service.campaign-cache", types: ["campaign.paused"], handler });
        await one.unsubscribe();
        const widen = own.subscribe({ consumer: "payment-service.campaign-cache", types: ["campaign.paused", "campaign.ended"], handler });
        if (multipleFilters) await (await widen).unsubscribe();
        else await expect(widen).rejects.toThrow(NatsConsumerFilterError);
        const { config } = await jsm.consumers.info(opts.stream, "payment-service_campaign-cache");
        expect(config.filter_subject ?? config.filter_subjects).toEqual(
          multipleFilters ? [`${opts.subjectPrefix}.campaign.paused`, `${opts.subjectPrefix}.campaign.ended`] : `${opts.subjectPrefix}.campaign.paused`,
        );
      });
    });

    it("still delivers every type to a consumer whose types start differently", async () => {
      await ownStream("MIXED", async (own, opts) => {
        const seen: string[] = [];
        const wanted = [raw("campaign.paused", 1), raw("donation.failed", 2), raw("campaign.published", 3)];
        await own.publish(wanted[0]);
        await publishNoise(own, 10);
        await own.publish(wanted[1]);
        await own.publish(raw("donation.succeeded", 9));
        await own.publish(wanted[2]);
        const sub = await own.subscribe({ consumer: "trust-service.signals", types: ["donation.failed", "campaign.published", "campaign.paused"], handler: (e) => { seen.push(e.eventId); return Promise.resolve(); } });
        await vi.waitFor(() => expect(seen).toHaveLength(3), DELIVERY);
        await new Promise((r) => setTimeout(r, 200));
        expect(seen).toEqual(wanted.map((e) => e.eventId));
        const info = await jsm.consumers.info(opts.stream, "trust-service_signals");
        expect(info.delivered.consumer_seq).toBe(multipleFilters ? 3 : 14); // before 2.10 only `<prefix>.>` covers them all
        await sub.unsubscribe();
      });
    });
  });

  it("is what createEventBus returns when NATS_URL is set", async () => {
    const viaEnv = await createEventBus({ NATS_URL: url, NATS_STREAM: options.stream, NATS_SUBJECT_PREFIX: options.subjectPrefix });
    expect(viaEnv).toBeInstanceOf(NatsEventBus);
    await viaEnv.close();
  });
});
