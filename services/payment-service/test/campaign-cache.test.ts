import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import { ConflictError, type Queryable } from "@blessed-horizon/service-kit";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import { describe, expect, it, vi } from "vitest";
import { cachedCampaignClient, type CampaignClient, type CampaignSummary } from "../src/clients/campaigns.js";
import { campaignTotalGuard } from "../src/routes/donations.js";
import { CARD, eventually, usePayment } from "./harness.js";

/**
 * What payment-service remembers of a campaign between donations (issue 13,
 * "Speed": one lookup of campaign-service and one sum of the campaign's
 * ledger account per donation were two of the costs of every donation).
 */
describe("the campaign cache", () => {
  const active: CampaignSummary = { id: "c1", status: "active", organizerId: "o" };
  function counting(answer: () => Promise<CampaignSummary>): CampaignClient & { calls: number } {
    const client = { calls: 0, getActiveCampaign: () => { client.calls += 1; return answer(); } };
    return client;
  }

  it("asks campaign-service once per TTL for a stream of donations, and concurrent lookups share one request", async () => {
    let clock = 0;
    const inner = counting(() => Promise.resolve(active));
    const cache = cachedCampaignClient(inner, 1000, () => clock);
    await Promise.all(Array.from({ length: 20 }, () => cache.getActiveCampaign("c1")));
    expect(inner.calls).toBe(1);
    clock = 999;
    await cache.getActiveCampaign("c1");
    expect(inner.calls).toBe(1);
    clock = 1000;
    await cache.getActiveCampaign("c1");
    expect(inner.calls).toBe(2);
  });

  it("never keeps a refusal: a campaign not (yet) active is asked about every time", async () => {
    let answer: Promise<CampaignSummary> = Promise.reject(new ConflictError("campaign c1 is paused"));
    answer.catch(() => undefined);
    const inner = counting(() => answer);
    const cache = cachedCampaignClient(inner, 60_000, () => 0);
    await expect(cache.getActiveCampaign("c1")).rejects.toThrow(/paused/);
    answer = Promise.resolve(active);
    await expect(cache.getActiveCampaign("c1")).resolves.toEqual(active);
    expect(inner.calls).toBe(2);
  });

  it("forgets a campaign at once, and does not store an answer that was on its way when it forgot", async () => {
    let release: (c: CampaignSummary) => void = () => undefined;
    const inner = counting(() => new Promise((resolve) => (release = resolve)));
    const cache = cachedCampaignClient(inner, 60_000, () => 0);
    const first = cache.getActiveCampaign("c1");
    cache.forget("c1");
    release(active);
    await first;
    const second = cache.getActiveCampaign("c1");
    expect(inner.calls).toBe(2);
    release(active);
    await second;
    cache.forget("c1");
    const third = cache.getActiveCampaign("c1");
    release(active);
    await third;
    expect(inner.calls).toBe(3);
  });

  it("with TTL 0 asks every time", async () => {
    const inner = counting(() => Promise.resolve(active));
    const cache = cachedCampaignClient(inner, 0);
    await cache.getActiveCampaign("c1");
    await cache.getActiveCampaign("c1");
    expect(inner.calls).toBe(2);
  });
});

describe("the total-raised guard", () => {
  /** A database whose campaign account has `credits`, counting the sums asked for. */
  function ledger(credits: () => number): Queryable & { sums: number } {
    const db = {
      sums: 0,
      query: <T>() => {
        db.sums += 1;
        return Promise.resolve({ rows: [{ currency: "USD", debits: 0, credits: credits() }] as T[], rowCount: 1 });
      },
      exec: () => Promise.resolve(),
    };
    return db;
  }
  const usd = (amount: number) => ({ amount, currency: "USD" });

  it("sums the campaign's account once per TTL while its total is far from 2^53 - 1", async () => {
    let clock = 0;
    const db = ledger(() => 5_000);
    const guard = campaignTotalGuard(db as never, { ttlMs: 1000, maxMinor: 100_000_000, now: () => clock });
    for (let i = 0; i < 10; i += 1) await guard("c1", usd(100_000_000));
    expect(db.sums).toBe(1);
    clock = 1000;
    await guard("c1", usd(1));
    expect(db.sums).toBe(2);
    // Another currency is another total.
    await guard("c1", { amount: 1, currency: "EUR" });
    expect(db.sums).toBe(3);
  });

  it("near the limit sums on every donation, and still refuses the one that would pass it", async () => {
    const near = Number.MAX_SAFE_INTEGER - 1_000;
    const db = ledger(() => near);
    const guard = campaignTotalGuard(db as never, { ttlMs: 60_000, maxMinor: 100_000_000, now: () => 0 });
    await guard("c1", usd(1_000));
    await guard("c1", usd(1_000));
    expect(db.sums).toBe(2);
    await expect(guard("c1", usd(1_001))).rejects.toMatchObject({ status: 422, code: "BH_TOTAL_LIMIT" });
  });
});

describe.each(testDatabases())("campaign events and the cache on $kind", (target) => {
  // A TTL far longer than the test: only the event can end what payment-service remembers.
  const h = usePayment(() => target.open(), {
    campaigns: [
      { id: "c-cached", status: "active", organizerId: "org-1", goal: { amount: 100_000, currency: "USD" } },
    ],
    env: { CAMPAIGN_CACHE_TTL_MS: "60000" },
  });

  const donate = () =>
    h.app.inject({
      method: "POST", url: "/api/v1/donations", headers: { "idempotency-key": randomUUID() },
      payload: { campaignId: "c-cached", amount: { amount: 1000, currency: "USD" }, email: "cache@example.org", card: CARD },
    });

  it("a campaign.paused event stops donations at once, though the campaign was remembered as active", async () => {
    expect((await donate()).statusCode).toBe(201);
    h.stubs.campaigns.get("c-cached")!.status = "paused";
    // Remembered: campaign-service is not asked again within the TTL.
    expect((await donate()).statusCode).toBe(201);
    await h.bus.publish(createEvent("campaign.paused", { campaignId: "c-cached", organizerId: "org-1" }));
    let status = 0;
    await vi.waitFor(async () => expect(status = (await donate()).statusCode).not.toBe(201), eventually);
    expect(status).toBe(409);
  });
});
