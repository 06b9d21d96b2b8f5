import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "../db/database.js";
import { migrate } from "../db/migrations.js";
import { kitMigrationsDir, KIT_MIGRATIONS_TABLE } from "../db/service-migrations.js";
import type { RunningService } from "../process/service.js";
import { testDatabases } from "../testing/databases.js";
import { InProcessEventBus } from "./in-process.js";
import { withEventBus } from "./own-bus.js";
import { writeOutbox } from "./outbox.js";
import { eventsPlugin, type EventConsumer } from "./plugin.js";

const paused = (campaignId: string) => createEvent("campaign.paused", { campaignId, organizerId: "o1" });
const ended = (campaignId: string) => createEvent("campaign.ended", { campaignId, organizerId: "o1" });

describe.each(testDatabases())("events plugin on $kind", (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
    await migrate(db, kitMigrationsDir, { table: KIT_MIGRATIONS_TABLE });
  });
  afterAll(async () => db.close());

  async function appWith(bus: InProcessEventBus | undefined, consumers: EventConsumer[]): Promise<FastifyInstance> {
    const app = Fastify({ logger: false });
    // A relay that never polls on its own: what reaches the bus quickly was poked.
    await app.register(eventsPlugin, { db, bus, consumers, relay: { intervalMs: 60_000 } });
    return app;
  }

  it("consumes once the app is ready, publishes what a consumer wrote at once, and stops both when the app closes", async () => {
    const bus = new InProcessEventBus({ retryBaseMs: 5, retryMaxMs: 20 });
    const seen: EventEnvelope[] = [];
    await bus.subscribe({ consumer: "test.recorder", types: ["campaign.ended"], handler: (e) => Promise.resolve(void seen.push(e)) });
    const handled: string[] = [];
    const ender: EventConsumer<"campaign.paused"> = {
      consumer: "test.ender",
      types: ["campaign.paused"],
      handle: async (event) => {
        handled.push(event.data.campaignId);
        await db.transaction((tx) => writeOutbox(tx, ended(event.data.campaignId)));
        return true;
      },
    };
    const app = await appWith(bus, [ender]);
    await bus.publish(paused("before-ready"));
    expect(handled).toEqual([]);
    await app.ready();

    await bus.publish(paused("c1"));
    await vi.waitFor(() => expect(seen.map((e) => e.data.campaignId)).toContain("c1"), { timeout: 5_000 });

    await app.close();
    await bus.publish(paused("after-close"));
    await db.transaction((tx) => writeOutbox(tx, ended("left-in-outbox")));
    app.events.poke();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The bus is durable: what was published before the app was ready is consumed once it is.
    expect(handled).toEqual(["before-ready", "c1"]);
    expect(seen.map((e) => e.data.campaignId)).not.toContain("left-in-outbox");
    await bus.close();
  });

  it("without a bus relays and consumes nothing, and poke is harmless", async () => {
    const handle = vi.fn(() => Promise.resolve(true));
    const app = await appWith(undefined, [{ consumer: "test.none", types: ["campaign.paused"], handle }]);
    await app.ready();
    app.events.poke();
    await app.close();
    expect(handle).not.toHaveBeenCalled();
  });
});

describe("withEventBus", () => {
  const running = (close = () => Promise.resolve()): RunningService => ({ name: "s", url: "http://localhost:1", close });

  it("passes the launcher's bus on and leaves it open", async () => {
    const bus = new InProcessEventBus();
    const started = await withEventBus("s", { bus }, (options) => {
      expect(options.bus).toBe(bus);
      return Promise.resolve(running());
    });
    await started.close();
    await expect(bus.publish(paused("still-open"))).resolves.toBeUndefined();
    await bus.close();
  });

  it("opens its own bus, closes it after the service, and at once when start-up fails", async () => {
    let own: InProcessEventBus | undefined;
    const started = await withEventBus("s", { env: {} }, (options) => {
      own = options.bus as InProcessEventBus;
      return Promise.resolve(running());
    });
    expect(own).toBeDefined();
    await started.close();
    await expect(own?.publish(paused("closed"))).rejects.toThrow();

    let failed: InProcessEventBus | undefined;
    await expect(
      withEventBus("s", { env: {} }, (options) => {
        failed = options.bus as InProcessEventBus;
        return Promise.reject(new Error("port in use"));
      }),
    ).rejects.toThrow("port in use");
    await expect(failed?.publish(paused("closed"))).rejects.toThrow();
  });
});
