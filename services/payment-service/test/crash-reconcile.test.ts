import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { openDatabase, type Database } from "@blessed-horizon/service-kit";
import { createScratchDatabase, freePort, TEST_JWT_SECRET } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawnPayment } from "./child.js";
import { admin, CARD, startStubs, type Stubs } from "./harness.js";

const postgresUrl = process.env.TEST_DATABASE_URL;

interface Sent {
  key: string;
  body: { campaignId: string; amount: { amount: number; currency: string }; email: string; card: typeof CARD };
  /** What the client saw: an HTTP status, or undefined when the connection died with the process. */
  status: number | undefined;
  id?: string;
}

describe.skipIf(!postgresUrl)("payment-service killed between the provider and the commit (needs TEST_DATABASE_URL: skipped without it)", () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  let stubs: Stubs;
  let child: ChildProcess | undefined;
  let port: number;

  /** The real server; its reconciler looks every 200 ms at what has been untouched for 300 ms. */
  const start = (env: Record<string, string> = {}): Promise<ChildProcess> => spawnPayment(port, {
    DATABASE_URL: database.url, NATS_URL: "", CAMPAIGN_SERVICE_URL: stubs.url.campaign, TRUST_SERVICE_URL: stubs.url.trust,
    OUTBOX_POLL_MS: "50", RECONCILE_INTERVAL_MS: "200", RECONCILE_AFTER_MS: "300", JWT_SECRET: TEST_JWT_SECRET, ...env,
  });
  /** SIGKILL, unless it died already (its own crash point): then only wait for it. */
  const kill = async () => {
    const proc = child!;
    child = undefined;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
  };
  const post = async (sent: Pick<Sent, "key" | "body">): Promise<{ status: number; body: Record<string, unknown> } | undefined> => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/donations`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": sent.key },
      body: JSON.stringify(sent.body),
    }).catch(() => undefined);
    return response && { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params)).rows[0].n);
  const unsettled = () => count("SELECT count(*)::int AS n FROM donations WHERE status IN ('NEW', 'PROCESSING')");

  beforeAll(async () => {
    database = await createScratchDatabase(postgresUrl ?? "", "bh_test_reconcile");
    db = await openDatabase({ url: database.url, poolMax: 3 });
    stubs = await startStubs();
    stubs.campaigns.set("c-crash", { id: "c-crash", status: "active", organizerId: "o", goal: { amount: 10_000_000, currency: "USD" } });
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await stubs?.close();
    await db?.close();
    await database?.drop();
  });

  it("settles a donation whose process died right after the capture: PAID once, and its key answers it", async () => {
    child = await start({ PAYMENT_TEST_CRASH_POINT: "after-capture" });
    const sent = { key: randomUUID(), body: { campaignId: "c-crash", amount: { amount: 4200, currency: "USD" }, email: "crash@example.org", card: CARD } };
    expect(await post(sent)).toBeUndefined(); // the process died before answering
    await kill();
    // Died between the provider's one charge (captured) and the PAID commit: nothing of the charge stored yet.
    const left = await db.query<{ id: string; status: string; authorization_id: string | null }>("SELECT id, status, authorization_id FROM donations WHERE email = 'crash@example.org'");
    expect(left.rows).toEqual([{ id: expect.any(String) as string, status: "PROCESSING", authorization_id: null }]);
    const charge = (await db.query<{ id: string; state: string; charge_id: string }>("SELECT id, state, charge_id FROM sandbox_charges WHERE reference = $1", [left.rows[0].id])).rows;
    expect(charge).toMatchObject([{ state: "captured" }]);

    child = await start();
    await vi.waitFor(async () => expect(await unsettled()).toBe(0), { timeout: 10_000, interval: 50 });
    const retry = await post(sent);
    const { rows } = await db.query<{ id: string; status: string; authorization_id: string; charge_id: string }>("SELECT id, status, authorization_id, charge_id FROM donations WHERE email = 'crash@example.org'");
    expect(rows).toEqual([{ id: left.rows[0].id, status: "PAID", authorization_id: charge[0].id, charge_id: charge[0].charge_id }]);
    expect(retry).toMatchObject({ status: 201, body: { id: rows[0].id, status: "PAID", amount: { amount: 4200, currency: "USD" } } });
    expect(await count("SELECT count(*)::int AS n FROM sandbox_charges WHERE reference = $1 AND state = 'captured'", [rows[0].id])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = $1 AND kind = 'donation'", [rows[0].id])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM event_outbox WHERE type = 'donation.succeeded' AND data->>'donationId' = $1", [rows[0].id])).toBe(1);
  }, 60_000);

  it("settles a refund whose process died right after the provider refunded: once, and its key answers it", async () => {
    await kill();
    child = await start({ PAYMENT_TEST_CRASH_POINT: "after-refund" });
    const paid = await post({ key: randomUUID(), body: { campaignId: "c-crash", amount: { amount: 900, currency: "USD" }, email: "refund-crash@example.org", card: CARD } });
    expect(paid?.status).toBe(201);
    const donationId = paid!.body.id as string;
    const refund = async (key: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/donations/${donationId}/refunds`, {
        method: "POST", headers: { ...(await admin()), "content-type": "application/json", "idempotency-key": key }, body: "{}",
      }).catch(() => undefined);
      return response && { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
    };
    const key = randomUUID();
    expect(await refund(key)).toBeUndefined(); // the process died before answering
    await kill();

    child = await start();
    await vi.waitFor(async () => expect(await count("SELECT count(*)::int AS n FROM refunds WHERE donation_id = $1 AND status = 'PENDING'", [donationId])).toBe(0), { timeout: 10_000, interval: 50 });
    const retry = await refund(key);
    expect(retry).toMatchObject({ status: 201, body: { donationId, amount: { amount: 900, currency: "USD" }, donation: { status: "REFUNDED" } } });
    expect(await count("SELECT count(*)::int AS n FROM sandbox_refunds WHERE reference = $1", [retry!.body.id])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM ledger_groups WHERE donation_id = $1 AND kind = 'refund'", [donationId])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM event_outbox WHERE type = 'donation.refunded' AND data->>'donationId' = $1", [donationId])).toBe(1);
  }, 60_000);

  it("after SIGKILL under 20 donations a second leaves nothing unsettled, answers every retried key and charges no card twice", async () => {
    child ??= await start();
    stubs.trustDelayMs = 150; // a few donations are always between NEW and PAID
    const sent: Sent[] = [];
    const inFlight: Promise<void>[] = [];
    const ticker = setInterval(() => {
      const s: Sent = { key: randomUUID(), body: { campaignId: "c-crash", amount: { amount: 100 + sent.length, currency: "USD" }, email: `s${sent.length}@example.org`, card: CARD }, status: undefined };
      sent.push(s);
      inFlight.push(post(s).then((r) => {
        s.status = r?.status;
        s.id = r?.body.id as string | undefined;
      }));
    }, 50);
    await vi.waitFor(async () => expect(await count("SELECT count(*)::int AS n FROM donations WHERE status = 'PAID' AND email LIKE 's%'")).toBeGreaterThanOrEqual(20), { timeout: 20_000, interval: 50 });
    await kill();
    clearInterval(ticker);
    await Promise.all(inFlight);
    stubs.trustDelayMs = 0;

    child = await start();
    await vi.waitFor(async () => expect(await unsettled()).toBe(0), { timeout: 10_000, interval: 50 });
    for (const s of sent) {
      const { rows } = await db.query<{ id: string; status: string }>("SELECT id, status FROM donations WHERE email = $1", [s.body.email]);
      expect(rows.length).toBeLessThanOrEqual(1);
      if (s.status === 201) expect(rows[0]).toEqual({ id: s.id, status: "PAID" });
      const retry = await post(s);
      if (rows[0] === undefined) {
        // The process died before the donation existed: nothing happened, the key is held until abandoned.
        expect(retry?.status === 409 || retry?.status === 201).toBe(true);
        continue;
      }
      const expected = { PAID: 201, IN_REVIEW: 202, ERROR: 402 }[rows[0].status];
      expect({ email: s.body.email, status: retry?.status }).toEqual({ email: s.body.email, status: expected });
      if (retry?.status === 201) expect(retry.body).toMatchObject({ id: rows[0].id, status: "PAID" });
    }
    // Every card charged is one donation that was paid (and maybe refunded since), and the other way round.
    const paid = await db.query<{ n: number; total: number }>("SELECT count(*)::int AS n, COALESCE(sum(amount + tip), 0)::bigint AS total FROM donations WHERE status IN ('PAID', 'REFUNDED')");
    const charges = await db.query<{ n: number; refs: number; total: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT reference)::int AS refs, COALESCE(sum(amount), 0)::bigint AS total FROM sandbox_charges WHERE state = 'captured'",
    );
    expect(charges.rows[0]).toEqual({ n: paid.rows[0].n, refs: paid.rows[0].n, total: paid.rows[0].total });
    expect(await count("SELECT count(*)::int AS n FROM sandbox_charges c WHERE state = 'captured' AND NOT EXISTS (SELECT 1 FROM donations d WHERE d.id::text = c.reference AND d.status IN ('PAID', 'REFUNDED'))")).toBe(0);
    expect(await count("SELECT count(DISTINCT donation_id)::int AS n FROM ledger_groups WHERE kind = 'donation'")).toBe(paid.rows[0].n);
    expect(await count("SELECT count(*)::int AS n FROM ledger_groups WHERE kind = 'donation'")).toBe(paid.rows[0].n);
    expect(await count("SELECT count(DISTINCT data->>'donationId')::int AS n FROM event_outbox WHERE type = 'donation.succeeded'")).toBe(paid.rows[0].n);
    expect(await count("SELECT count(*)::int AS n FROM event_outbox WHERE type = 'donation.succeeded'")).toBe(paid.rows[0].n);
    console.log(`reconcile SIGKILL test: ${sent.length} sent, ${sent.filter((s) => s.status === undefined).length} unanswered, ${paid.rows[0].n} paid`);
    await kill();
  }, 60_000);
});
