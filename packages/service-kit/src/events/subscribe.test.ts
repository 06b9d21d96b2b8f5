import { randomUUID } from "node:crypto";
import { createEvent, type DomainEvent } from "@blessed-horizon/contracts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InProcessEventBus } from "./in-process.js";
import { subscribeDomainEvents } from "./subscribe.js";

const usd = (amount: number) => ({ amount, currency: "USD" });

/** How long a test waits for the bus to deliver (vi.waitFor's default of 1 s is short for a loaded machine). */
const DELIVERY = { timeout: 3_000, interval: 5 };

describe("subscribeDomainEvents", () => {
  let bus: InProcessEventBus;
  afterEach(async () => bus.close());

  it("hands over validated events, skips (and logs) those that break their contract, and lets the bus retry other failures", async () => {
    bus = new InProcessEventBus({ retryBaseMs: 5, retryMaxMs: 20 });
    const handled: DomainEvent<"donation.succeeded">[] = [];
    const logged: string[] = [];
    let failOnce = true;
    await subscribeDomainEvents(bus, {
      consumer: "test.totals",
      types: ["donation.succeeded"],
      log: { error: (_details, message) => logged.push(message) },
      handle: (event) => {
        if (failOnce) {
          failOnce = false;
          return Promise.reject(new Error("database briefly down"));
        }
        handled.push(event);
        return Promise.resolve();
      },
    });
    // Data that breaks the schema (a float amount): skipped for good, the next event still flows.
    await bus.publish({ eventId: randomUUID(), type: "donation.succeeded", occurredAt: new Date().toISOString(), data: { donationId: "d0", amount: 1.5 } });
    const good = createEvent("donation.succeeded", { donationId: "d1", campaignId: "c1", amount: usd(500), tip: usd(0), fee: usd(45) });
    await bus.publish(good);
    await vi.waitFor(() => expect(handled).toHaveLength(1), DELIVERY);
    expect(handled[0]?.data.amount).toEqual(usd(500));
    expect(logged).toEqual(["skipping an event that breaks its contract"]);
  });
});
