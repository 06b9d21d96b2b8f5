import type { AddressInfo } from "node:net";
import type { EventEnvelope } from "@blessed-horizon/contracts";
import { InProcessEventBus, loadConfig, migrateService, type Database } from "@blessed-horizon/service-kit";
import { bearer, TEST_JWT_SECRET } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll } from "vitest";
import Fastify, { type FastifyInstance } from "fastify";
import { buildApp, migrationsDir } from "../src/app.js";
import { paymentConfigSchema } from "../src/config.js";
import type { PaymentProvider } from "../src/clients/provider.js";
import { SandboxProvider } from "../src/clients/sandbox.js";

export const WEBHOOK_SECRET = "whsec_test_payment_0123456789";

export interface StubCampaign {
  id: string;
  status: string;
  organizerId: string;
  goal: { amount: number; currency: string };
}

export interface Stubs {
  campaigns: Map<string, StubCampaign>;
  /** Every assessment trust-service was asked for. */
  assessments: Record<string, unknown>[];
  /** Email -> decision; everything else is allowed. */
  decisions: Map<string, "allow" | "review" | "block">;
  trustDown: boolean;
  /** How long trust-service takes to answer (a stream of donations then has some in flight at any moment). */
  trustDelayMs: number;
  url: { campaign: string; trust: string };
  close(): Promise<void>;
}

/** Real HTTP stubs of campaign-service and trust-service on 127.0.0.1 (unit tests only; the integration test uses the real ones). */
export async function startStubs(): Promise<Stubs> {
  const campaign = Fastify();
  const trust = Fastify();
  const stubs = {
    campaigns: new Map(),
    assessments: [],
    decisions: new Map(),
    trustDown: false,
    trustDelayMs: 0,
  } as unknown as Stubs;
  campaign.get<{ Params: { id: string } }>("/api/v1/campaigns/:id", async (request, reply) => {
    const found = stubs.campaigns.get(request.params.id);
    return found ? found : reply.code(404).send({ status: 404 });
  });
  trust.post("/api/v1/assessments", async (request, reply) => {
    if (!request.headers.authorization?.startsWith("Bearer ")) return reply.code(401).send({});
    if (stubs.trustDown) return reply.code(503).send({});
    if (stubs.trustDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, stubs.trustDelayMs));
    const body = request.body as Record<string, unknown>;
    stubs.assessments.push(body);
    const decision = stubs.decisions.get(String(body.email)) ?? "allow";
    return reply.code(201).send({ id: `a-${stubs.assessments.length}`, score: decision === "allow" ? 5 : decision === "review" ? 70 : 90, decision, reasons: decision === "allow" ? [] : [{ code: "ip_velocity", points: 70 }] });
  });
  const url = async (app: FastifyInstance) => {
    await app.listen({ port: 0, host: "127.0.0.1" });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  };
  stubs.url = { campaign: await url(campaign), trust: await url(trust) };
  stubs.close = async () => {
    await campaign.close();
    await trust.close();
  };
  return stubs;
}

export interface Harness {
  app: FastifyInstance;
  bus: InProcessEventBus;
  provider: SandboxProvider;
  events: EventEnvelope[];
  close(): Promise<void>;
}

/** payment-service on `db` against the stubs, with an in-process bus whose donation events are recorded; `env` adds settings. */
export async function startPayment(
  db: Database,
  stubs: Stubs,
  now?: () => Date,
  wrapProvider?: (sandbox: SandboxProvider) => PaymentProvider,
  env: Record<string, string> = {},
): Promise<Harness> {
  await migrateService(db, migrationsDir);
  const config = loadConfig(paymentConfigSchema, {
    NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, OUTBOX_POLL_MS: "20",
    CAMPAIGN_SERVICE_URL: stubs.url.campaign, TRUST_SERVICE_URL: stubs.url.trust, PROVIDER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...env,
  });
  const bus = new InProcessEventBus();
  const events: EventEnvelope[] = [];
  await bus.subscribe({ consumer: "test.recorder", types: ["donation.succeeded", "donation.failed", "donation.refunded"], handler: (e) => { events.push(e); return Promise.resolve(); } });
  const provider = new SandboxProvider(db);
  const app = await buildApp({ config, db, bus, provider: wrapProvider?.(provider) ?? provider, ...(now ? { now } : {}) });
  await app.ready();
  return {
    app, bus, provider, events,
    close: async () => {
      await app.close();
      await bus.close();
    },
  };
}

export interface PaymentTest extends Omit<Harness, "close"> {
  db: Database;
  stubs: Stubs;
}

export interface UsePaymentOptions {
  /** What the campaign-service stub answers from the start. */
  campaigns?: readonly StubCampaign[];
  now?: () => Date;
  wrapProvider?: (sandbox: SandboxProvider) => PaymentProvider;
  /** Settings on top of the harness's; a function when they are known only once earlier hooks ran (a flags file). */
  env?: Record<string, string> | (() => Record<string, string>);
}

/**
 * The beforeAll/afterAll of a payment-service test file: a database from
 * `open`, the stubs, payment-service on both (`startPayment`); all closed
 * after the file. Its fields can be read once beforeAll has run, in tests.
 */
export function usePayment(open: () => Promise<Database>, options: UsePaymentOptions = {}): PaymentTest {
  let db: Database | undefined;
  let stubs: Stubs | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    db = await open();
    stubs = await startStubs();
    for (const campaign of options.campaigns ?? []) stubs.campaigns.set(campaign.id, campaign);
    const env = typeof options.env === "function" ? options.env() : options.env;
    harness = await startPayment(db, stubs, options.now, options.wrapProvider, env);
  });
  afterAll(async () => {
    await harness?.close();
    await stubs?.close();
    await db?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("usePayment: read in a test, after its beforeAll has run");
    return value;
  };
  return {
    get db() { return started(db); },
    get stubs() { return started(stubs); },
    get app() { return started(harness).app; },
    get bus() { return started(harness).bus; },
    get provider() { return started(harness).provider; },
    get events() { return started(harness).events; },
  };
}

/**
 * The sandbox, except that `failing` calls die after the provider did the
 * work and before its answer arrives (as a crash or a lost connection would).
 */
export function answerLost(sandbox: SandboxProvider, failing: { charge?: boolean; capture?: boolean; refund?: boolean }): PaymentProvider {
  const lost = () => new Error("connection reset before the provider's answer arrived");
  return {
    name: sandbox.name,
    authorize: (input) => sandbox.authorize(input),
    charge: async (input) => { const r = await sandbox.charge(input); if (failing.charge) throw lost(); return r; },
    capture: async (input) => { const r = await sandbox.capture(input); if (failing.capture) throw lost(); return r; },
    cancel: (input) => sandbox.cancel(input),
    refund: async (input) => { const r = await sandbox.refund(input); if (failing.refund) throw lost(); return r; },
    findPayment: (reference) => sandbox.findPayment(reference),
    findRefund: (reference) => sandbox.findRefund(reference),
  };
}

export const admin = () => bearer({ sub: "admin-1", roles: ["admin"] });
export const donor = (sub = "donor-1") => bearer({ sub, roles: ["donor"] });
export const CARD = { number: "4242 4242 4242 4242", expMonth: 12, expYear: 2034, cvc: "123" };

/** How long `vi.waitFor` waits for what happens after a response: the relay polls every 20 ms here, the reconciler at its interval. */
export const eventually = { timeout: 5_000, interval: 10 };
