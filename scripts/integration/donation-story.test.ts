import { randomUUID } from "node:crypto";
import { signToken, type Role } from "@blessed-horizon/service-kit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { INTEGRATION_JWT_SECRET, startPlatform, type Platform } from "./platform.js";
import { startSmtp } from "./smtp.js";

const natsUrl = process.env.TEST_NATS_URL;
const run = randomUUID().slice(0, 8);
const transports = [
  { name: "in-process bus", env: {} as Record<string, string>, skip: false },
  { name: "NATS JetStream (TEST_NATS_URL unset: skipped)", env: { NATS_URL: natsUrl ?? "", NATS_STREAM: `BH_IT_${run}`, NATS_SUBJECT_PREFIX: `bhit_${run}` }, skip: !natsUrl },
];

/** Events travel through outboxes and a bus: each step of the story is polled, for 20 s at most. */
const STORY = { timeout: 20_000, interval: 100 };

/** What `probe` finds once it finds something: vi.waitFor polls while the callback throws. */
const found = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  vi.waitFor(async () => {
    const value = await probe();
    if (value === undefined) throw new Error(`still waiting for ${what}`);
    return value;
  }, STORY);

const auth = async (sub: string, roles: Role[]) => ({ authorization: `Bearer ${await signToken({ sub, roles }, INTEGRATION_JWT_SECRET)}` });

describe.each(transports)("the donation story over the $name", (transport) => {
  let platform: Platform;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const organizer = `org-${run}`;
  const donorEmail = `donor-${run}@example.org`;
  const state: { campaignId?: string; donationId?: string } = {};

  const call = async <T = Record<string, unknown>>(service: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${platform.urls[service]}${path}`, {
      method: init.method ?? "GET",
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  };
  const raised = async () => (await call<{ raised: { amount: number } }>("campaign-service", `/api/v1/campaigns/${state.campaignId}/totals`)).body.raised.amount;
  const donate = (email: string, amount: number) => call("payment-service", "/api/v1/donations", {
    method: "POST", headers: { "idempotency-key": randomUUID() },
    body: { campaignId: state.campaignId, amount: { amount, currency: "USD" }, tipAmount: { amount: 200, currency: "USD" }, email, card: { number: "4242 4242 4242 4242", expMonth: 12, expYear: 2034, cvc: "123" } },
  });

  beforeAll(async () => {
    if (transport.skip) return;
    smtp = await startSmtp();
    platform = await startPlatform({ ...transport.env, SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await platform?.close();
    await smtp?.close();
  });

  it.skipIf(transport.skip)("an organizer creates and publishes a campaign, and trust approves it", async () => {
    const created = await call("campaign-service", "/api/v1/campaigns", {
      method: "POST", headers: await auth(organizer, ["organizer"]),
      body: { title: "Clean water for Kisumu", story: "A borehole for 400 families.", beneficiary: "Kisumu Water Trust", goal: { amount: 100_000, currency: "USD" } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    state.campaignId = created.body.id as string;
    expect((await call("campaign-service", `/api/v1/campaigns/${state.campaignId}/publish`, { method: "POST", headers: await auth(organizer, ["organizer"]) })).status).toBe(200);
    const approved = await call("campaign-service", `/api/v1/campaigns/${state.campaignId}/approve`, { method: "POST", headers: await auth("tara", ["trust"]) });
    expect(approved.body.status).toBe("active");
  });

  it.skipIf(transport.skip)("a donor gives: the payment is captured and the campaign's total rises", async () => {
    const donation = await donate(donorEmail, 2500);
    expect(donation.status, JSON.stringify(donation.body)).toBe(201);
    expect(donation.body.status).toBe("PAID");
    state.donationId = donation.body.id as string;
    await vi.waitFor(async () => expect(await raised(), "the campaign's total").toBe(2500), STORY);
  });

  it.skipIf(transport.skip)("the donor receives an email receipt and the organizer an in-app notice", async () => {
    const receipt = await found("the receipt email", () => Promise.resolve(smtp.mails.find((m) => m.to.includes(donorEmail))));
    expect(receipt.raw).toContain("25.00 USD");
    const feed = await found("the organizer's notice", async () => {
      const { items } = (await call<{ items: { category: string }[] }>("notification-service", `/api/v1/recipients/${organizer}/feed`, { headers: await auth("admin", ["admin"]) })).body;
      return items.some((n) => n.category === "organizer_notice") ? items : undefined;
    });
    expect(feed.length).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(transport.skip)("a refund lowers the total and the donor is told", async () => {
    const refund = await call("payment-service", `/api/v1/donations/${state.donationId}/refunds`, {
      method: "POST", headers: await auth("admin", ["admin"]), body: { amount: { amount: 1000, currency: "USD" }, reason: "asked by donor" },
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await vi.waitFor(async () => expect(await raised(), "the campaign's total").toBe(1500), STORY);
    const notice = await found("the refund receipt", () => Promise.resolve(smtp.mails.filter((m) => m.to.includes(donorEmail)).find((m) => m.raw.includes("10.00 USD"))));
    expect(notice).toBeDefined();
  });

  it.skipIf(transport.skip)("a blocked donation moves no money", async () => {
    const fraud = `fraud-${run}@example.org`;
    const suspended = await call("trust-service", "/api/v1/suspended-assets", { method: "POST", headers: await auth("tara", ["trust"]), body: { kind: "email", value: fraud, reason: "chargebacks" } });
    expect(suspended.status, JSON.stringify(suspended.body)).toBeLessThan(300);
    const blocked = await donate(fraud, 5000);
    expect(blocked.status).toBe(402);
    expect(blocked.body.detail).toBe("The payment could not be processed.");
    await new Promise((r) => setTimeout(r, 1000));
    expect(await raised()).toBe(1500);
    const balance = await call<{ balances: unknown[] }>("payment-service", `/api/v1/ledger/accounts/campaign:${state.campaignId}/balance`, { headers: await auth("admin", ["admin"]) });
    expect(balance.body.balances).toEqual([{ currency: "USD", debits: 1000, credits: 2500, balance: 1500 }]);
  });
});
