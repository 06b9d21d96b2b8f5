import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { NatsEventBus, openDatabase, processOnce, type Database } from "@blessed-horizon/service-kit";
import { createScratchDatabase, freePort } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnPayment } from "./child.js";
import { CARD, startStubs, type Stubs } from "./harness.js";

const natsUrl = process.env.TEST_NATS_URL;
const postgresUrl = process.env.TEST_DATABASE_URL;


describe.skipIf(!postgresUrl || !natsUrl)("payment-service killed with SIGKILL mid-stream (needs TEST_DATABASE_URL and TEST_NATS_URL: skipped without them)", () => {
  const run = randomUUID().slice(0, 8);
  const nats = { url: natsUrl ?? "", stream: `BH_KILL_${run}`, subjectPrefix: `bhkill_${run}` };
  let db: Database;
  let stubs: Stubs;
  let bus: NatsEventBus;
  let child: ChildProcess | undefined;
  let port: number;
  let database: { url: string; drop(): Promise<void> };

  const start = (): Promise<ChildProcess> => spawnPayment(port, {
    DATABASE_URL: database.url, NATS_URL: nats.url, NATS_STREAM: nats.stream, NATS_SUBJECT_PREFIX: nats.subjectPrefix,
    CAMPAIGN_SERVICE_URL: stubs.url.campaign, TRUST_SERVICE_URL: stubs.url.trust, OUTBOX_POLL_MS: "50",
  });

  beforeAll(async () => {
    database = await createScratchDatabase(postgresUrl ?? "", "bh_test_kill");
    db = await openDatabase({ url: database.url, poolMax: 5 });
    stubs = await startStubs();
    stubs.campaigns.set("c-kill", { id: "c-kill", status: "active", organizerId: "o", goal: { amount: 10_000_000, currency: "USD" } });
    port = await freePort();
    bus = await NatsEventBus.connect({ ...nats, retryBaseMs: 20, retryMaxMs: 200 });
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await bus?.deleteStream().catch(() => undefined);
    await bus?.close();
    await stubs?.close();
    await db?.close();
    await database?.drop();
  });

  it("loses no donation event and applies none twice", async () => {
    child = await start();
    // A consumer elsewhere (as campaign-service is): applies each event in its own transaction, once.
    await db.exec("CREATE TABLE applied (donation_id text NOT NULL, event_id uuid NOT NULL, amount bigint NOT NULL)");
    await bus.subscribe({
      consumer: "test.totals", types: ["donation.succeeded"],
      handler: async (event) => {
        await processOnce(db, "test.totals", event, async (tx) => {
          await tx.query("INSERT INTO applied VALUES ($1, $2, $3)", [event.data.donationId, event.eventId, (event.data.amount as { amount: number }).amount]);
        });
      },
    });

    let sent = 0;
    let stop = false;
    const donor = async () => {
      while (!stop) {
        sent += 1;
        await fetch(`http://127.0.0.1:${port}/api/v1/donations`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
          body: JSON.stringify({ campaignId: "c-kill", amount: { amount: 100 + sent, currency: "USD" }, email: `d${sent}@example.org`, card: CARD }),
        }).catch(() => undefined);
      }
    };
    const donors = [donor(), donor(), donor(), donor()];
    await vi.waitFor(async () => expect(Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM donations WHERE status = 'PAID'")).rows[0].n)).toBeGreaterThanOrEqual(40), { timeout: 60_000, interval: 50 });
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    stop = true;
    await Promise.all(donors);

    child = await start();
    const paid = async () => (await db.query<{ n: number; total: number }>("SELECT count(*)::int AS n, COALESCE(sum(amount), 0)::bigint AS total FROM donations WHERE status = 'PAID'")).rows[0];
    const applied = async () => (await db.query<{ n: number; ids: number; total: number }>("SELECT count(*)::int AS n, count(DISTINCT donation_id)::int AS ids, COALESCE(sum(amount), 0)::bigint AS total FROM applied")).rows[0];
    await vi.waitFor(async () => expect((await applied()).n).toBeGreaterThanOrEqual((await paid()).n), { timeout: 60_000, interval: 50 });
    await new Promise((r) => setTimeout(r, 500)); // anything published twice would be applied by now
    const [p, a] = [await paid(), await applied()];
    const unpublished = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL")).rows[0].n;
    console.log(`SIGKILL test: ${sent} requests, ${p.n} paid, ${a.n} applied (${a.ids} distinct), ${unpublished} unpublished`);
    expect(unpublished).toBe(0);
    expect(a.n).toBe(p.n);
    expect(a.ids).toBe(p.n);
    expect(Number(a.total)).toBe(Number(p.total));
    child.kill("SIGTERM");
    await new Promise((resolve) => child!.once("exit", resolve));
    child = undefined;
  }, 180_000);
});
