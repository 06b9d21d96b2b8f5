import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database, Queryable } from "../db/database.js";
import { migrate } from "../db/migrations.js";
import { kitMigrationsDir, KIT_MIGRATIONS_TABLE } from "../db/service-migrations.js";
import { testDatabases } from "../testing/databases.js";
import { InProcessEventBus } from "./in-process.js";
import { processOnce } from "./inbox.js";
import { startOutboxRelay, writeOutbox } from "./outbox.js";
import type { EventBus } from "./bus.js";

/** How long a test waits for the relay to publish. */
const RELAYED = { timeout: 5_000, interval: 10 };

const paused = (campaignId: string) => createEvent("campaign.paused", { campaignId, organizerId: "o1" });

/** A bus that records what it is given, and can be told to fail. */
function recordingBus(): EventBus & { events: EventEnvelope[]; failing: boolean } {
  const bus = {
    events: [] as EventEnvelope[],
    failing: false,
    publish(event: EventEnvelope) {
      if (bus.failing) return Promise.reject(new Error("broker down"));
      bus.events.push(event);
      return Promise.resolve();
    },
    subscribe: () => Promise.reject(new Error("not used")),
    close: () => Promise.resolve(),
  };
  return bus;
}

describe.each(testDatabases())("outbox and inbox on $kind", (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
    await migrate(db, kitMigrationsDir, { table: KIT_MIGRATIONS_TABLE });
  });
  afterAll(async () => db.close());

  it("publishes an event only when the producer's transaction commits, in order, once", async () => {
    const bus = recordingBus();
    const committed = [paused("a"), paused("b")];
    await db.transaction(async (tx) => {
      for (const e of committed) await writeOutbox(tx, e);
    });
    await db.transaction(async (tx) => {
      await writeOutbox(tx, paused("rolled-back"));
      throw new Error("the change failed");
    }).catch(() => undefined);
    const relay = startOutboxRelay(db, bus, { intervalMs: 10_000 });
    await relay.flush();
    await relay.flush();
    await relay.stop();
    expect(bus.events.map((e) => e.data.campaignId)).toEqual(["a", "b"]);
    expect(bus.events[0]).toEqual(committed[0]);
  });

  it("refuses an event that breaks its contract, failing the producer's change", async () => {
    const broken = { ...paused("x"), data: { campaignId: "x" } };
    await expect(db.transaction((tx) => writeOutbox(tx, broken))).rejects.toThrow(/organizerId/);
  });

  it("with coalesceMs publishes the events of commits poked within the window in one relay transaction, and stop publishes a waiting poke", async () => {
    const bus = recordingBus();
    let transactions = 0;
    const counting: Database = { ...db, transaction: (fn) => ((transactions += 1), db.transaction(fn)) };
    const relay = startOutboxRelay(counting, bus, { intervalMs: 60_000, coalesceMs: 1_000 });
    await relay.flush(); // the relay's first look at start, and whatever earlier tests left
    await new Promise((r) => setTimeout(r, 50));
    const before = transactions;
    const ids = () => bus.events.map((e) => String(e.data.campaignId));
    for (const id of ["coalesced-1", "coalesced-2", "coalesced-3"]) {
      await db.transaction((tx) => writeOutbox(tx, paused(id)));
      relay.poke();
    }
    await vi.waitFor(() => expect(ids()).toContain("coalesced-3"), RELAYED);
    expect(ids().filter((id) => id.startsWith("coalesced"))).toEqual(["coalesced-1", "coalesced-2", "coalesced-3"]);
    expect(transactions - before).toBe(1);
    await db.transaction((tx) => writeOutbox(tx, paused("poked-before-stop")));
    relay.poke();
    await relay.stop();
    expect(ids()).toContain("poked-before-stop");
  });

  it("sends a batch's events to the broker without waiting for each answer, in order, and marks them once every answer is in", async () => {
    // One round trip to the broker per batch instead of one per event: the broker keeps the order of one connection's publishes.
    const answers: (() => void)[] = [];
    const sent: string[] = [];
    let answering = false;
    const bus: EventBus = {
      publish: (event) => new Promise<void>((resolve) => {
        sent.push(String(event.data.campaignId));
        if (answering) resolve();
        else answers.push(resolve);
      }),
      subscribe: () => Promise.reject(new Error("not used")),
      close: () => Promise.resolve(),
    };
    const relay = startOutboxRelay(db, recordingBus(), { intervalMs: 60_000 });
    await relay.stop(); // what earlier tests left is published, so the batch below holds only this test's events
    const ids = ["pipelined-1", "pipelined-2", "pipelined-3"];
    await db.transaction(async (tx) => { for (const id of ids) await writeOutbox(tx, paused(id)); });
    const pipelined = startOutboxRelay(db, bus, { intervalMs: 60_000 });
    try {
      await vi.waitFor(() => expect(sent).toEqual(ids), RELAYED);
    } finally {
      answering = true;
      for (const answer of answers) answer();
      await pipelined.stop();
    }
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL");
    expect(rows[0]?.n).toBe(0);
  });

  it("when one event of a batch is refused, marks the ones before it published and keeps it and those after it", async () => {
    const bus = recordingBus();
    let refusals = 0;
    const refusing: EventBus = {
      ...bus,
      publish: (event) => (event.data.campaignId === "refused-2" && refusals++ === 0 ? Promise.reject(new Error("refused once")) : bus.publish(event)),
    };
    await startOutboxRelay(db, recordingBus(), { intervalMs: 60_000 }).stop();
    const errors: unknown[] = [];
    await db.transaction(async (tx) => { for (const id of ["refused-1", "refused-2", "refused-3"]) await writeOutbox(tx, paused(id)); });
    const relay = startOutboxRelay(db, refusing, { intervalMs: 20, onError: (e) => errors.push(e) });
    await vi.waitFor(() => expect(bus.events.filter((e) => e.data.campaignId === "refused-2")).toHaveLength(1), RELAYED);
    await relay.stop();
    expect(errors).toHaveLength(1);
    const count = (id: string) => bus.events.filter((e) => e.data.campaignId === id).length;
    // The first was answered before the refusal: it is not published again. The third may be (the broker dedupes by event id).
    expect(count("refused-1")).toBe(1);
    expect(count("refused-3")).toBeGreaterThanOrEqual(1);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL");
    expect(rows[0]?.n).toBe(0);
  });

  it("keeps events while the broker is down and publishes them when it is back", async () => {
    const bus = recordingBus();
    bus.failing = true;
    const errors: unknown[] = [];
    const relay = startOutboxRelay(db, bus, { intervalMs: 20, onError: (e) => errors.push(e) });
    await db.transaction((tx) => writeOutbox(tx, paused("while-down")));
    relay.poke();
    await new Promise((r) => setTimeout(r, 100));
    expect(errors.length).toBeGreaterThan(0);
    bus.failing = false;
    await vi.waitFor(() => expect(bus.events.map((e) => e.data.campaignId)).toContain("while-down"), RELAYED);
    await relay.stop();
    expect(bus.events.filter((e) => e.data.campaignId === "while-down")).toHaveLength(1);
  });

  it("applies a redelivered event once, and nothing of an effect that failed", async () => {
    await db.exec("CREATE TABLE IF NOT EXISTS test_totals (id text PRIMARY KEY, n integer NOT NULL)");
    await db.query("INSERT INTO test_totals VALUES ('t', 0) ON CONFLICT DO NOTHING");
    const event = paused("counted");
    const bump = (tx: Queryable) => tx.query("UPDATE test_totals SET n = n + 1 WHERE id = 't'").then(() => undefined);
    await expect(processOnce(db, "test.fail", event, async (tx) => {
      await bump(tx);
      throw new Error("effect failed");
    })).rejects.toThrow("effect failed");
    const results = await Promise.all([1, 2, 3, 4].map(() => processOnce(db, "test.count", event, bump)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await processOnce(db, "test.other-consumer", event, bump)).toBe(true);
    const { rows } = await db.query<{ n: number }>("SELECT n FROM test_totals WHERE id = 't'");
    expect(rows[0]?.n).toBe(2);
  });

  it("relays from the outbox to subscribers of a real bus end to end", async () => {
    const bus = new InProcessEventBus();
    const seen: string[] = [];
    await bus.subscribe({ consumer: "e2e", types: ["campaign.paused"], handler: (e) => { seen.push(e.data.campaignId as string); return Promise.resolve(); } });
    const relay = startOutboxRelay(db, bus, { intervalMs: 10 });
    await db.transaction((tx) => writeOutbox(tx, paused("relayed")));
    await vi.waitFor(() => expect(seen).toContain("relayed"), RELAYED);
    await relay.stop();
    await bus.close();
    expect(seen).toContain("relayed");
  });
});
