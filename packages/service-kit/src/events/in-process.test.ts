import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEventBus } from "./factory.js";
import { InProcessEventBus } from "./in-process.js";
import { redeliveryDelay } from "./backoff.js";

const succeeded = (donationId: string) =>
  createEvent("donation.succeeded", {
    donationId, campaignId: "c1",
    amount: { amount: 500, currency: "USD" }, tip: { amount: 0, currency: "USD" }, fee: { amount: 45, currency: "USD" },
  });

/** A handler that records what it got. */
function into(list: string[], pick: (e: EventEnvelope) => string = (e) => e.eventId) {
  return (e: EventEnvelope): Promise<void> => {
    list.push(pick(e));
    return Promise.resolve();
  };
}
const donationId = (e: EventEnvelope) => e.data.donationId as string;
const noop = () => Promise.resolve();

/** How long a test waits for the bus to deliver (vi.waitFor's default of 1 s is short for a loaded machine). */
const DELIVERY = { timeout: 3_000, interval: 5 };

describe("InProcessEventBus", () => {
  let bus: InProcessEventBus;
  afterEach(async () => bus.close());

  it("delivers each event to every consumer that asked for its type, in order", async () => {
    bus = new InProcessEventBus();
    const totals: string[] = [];
    const receipts: string[] = [];
    await bus.subscribe({ consumer: "campaign.totals", types: ["donation.succeeded"], handler: into(totals) });
    await bus.subscribe({ consumer: "notification.receipts", types: ["donation.succeeded", "donation.refunded"], handler: into(receipts) });
    await bus.subscribe({ consumer: "other", types: ["campaign.published"], handler: () => Promise.reject(new Error("must not be called")) });
    const events = [succeeded("d1"), succeeded("d2"), succeeded("d3")];
    for (const e of events) await bus.publish(e);
    await vi.waitFor(() => expect([totals.length, receipts.length]).toEqual([3, 3]), DELIVERY);
    expect(totals).toEqual(events.map((e) => e.eventId));
    expect(receipts).toEqual(totals);
  });

  it("delivers again, with backoff, until the handler succeeds", async () => {
    const errors: number[] = [];
    bus = new InProcessEventBus({ retryBaseMs: 5, retryMaxMs: 20, onError: (_e, _ev, _c, attempt) => errors.push(attempt) });
    let calls = 0;
    const handled: EventEnvelope[] = [];
    await bus.subscribe({
      consumer: "flaky", types: ["donation.succeeded"],
      handler: (e) => {
        calls += 1;
        if (calls < 4) return Promise.reject(new Error("database down"));
        handled.push(e);
        return Promise.resolve();
      },
    });
    const event = succeeded("d1");
    await bus.publish(event);
    await vi.waitFor(() => expect(handled).toHaveLength(1), DELIVERY);
    expect(errors).toEqual([1, 2, 3]);
    expect(handled[0]).toEqual(event);
    expect(bus.pending("flaky")).toBe(0);
  });

  it("keeps a durable consumer's events while it is unsubscribed, and replays history to a new consumer", async () => {
    bus = new InProcessEventBus();
    const seen: string[] = [];
    const sub = await bus.subscribe({ consumer: "c", types: ["donation.succeeded"], handler: into(seen, donationId) });
    await bus.publish(succeeded("d1"));
    await vi.waitFor(() => expect(seen).toHaveLength(1), DELIVERY);
    await sub.unsubscribe();
    await bus.publish(succeeded("d2"));
    expect(bus.pending("c")).toBe(1);
    await bus.subscribe({ consumer: "c", types: ["donation.succeeded"], handler: into(seen, donationId) });
    await vi.waitFor(() => expect(seen).toHaveLength(2), DELIVERY);
    expect(seen).toEqual(["d1", "d2"]);

    const late: string[] = [];
    await bus.subscribe({ consumer: "late", types: ["donation.succeeded"], handler: into(late, donationId) });
    await vi.waitFor(() => expect(late).toHaveLength(2), DELIVERY);
    expect(late).toEqual(["d1", "d2"]);
  });

  it("refuses a second live subscription of one consumer and anything after close", async () => {
    bus = new InProcessEventBus();
    await bus.subscribe({ consumer: "c", types: ["x.y"], handler: noop });
    await expect(bus.subscribe({ consumer: "c", types: ["x.y"], handler: noop })).rejects.toThrow(/already subscribed/);
    await bus.close();
    await expect(bus.publish(succeeded("d"))).rejects.toThrow(/closed/);
  });
});

describe("createEventBus without NATS_URL", () => {
  it("gives every service of the process the same bus, until the last one closes", async () => {
    const a = await createEventBus({});
    const b = await createEventBus({});
    const seen: string[] = [];
    await b.subscribe({ consumer: "b", types: ["donation.succeeded"], handler: into(seen) });
    const event = succeeded("d1");
    await a.publish(event);
    await vi.waitFor(() => expect(seen).toHaveLength(1), DELIVERY);
    await b.close();
    await a.publish(succeeded("d2"));
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([event.eventId]);
    await a.close();
    const c = await createEventBus({});
    await c.publish(succeeded("d3")); // a fresh bus: the closed one is not reused
    await c.close();
  });
});

describe("redeliveryDelay", () => {
  // It said "full jitter" and computed equal jitter; equal it is, and says so (issue 16).
  it("grows exponentially up to the cap, with equal jitter: never under half the step", () => {
    expect(redeliveryDelay(1, 100, 1000, () => 0)).toBe(50);
    expect(redeliveryDelay(1, 100, 1000, () => 1)).toBe(100);
    expect(redeliveryDelay(3, 100, 1000, () => 1)).toBe(400);
    expect(redeliveryDelay(10, 100, 1000, () => 1)).toBe(1000);
  });
});
