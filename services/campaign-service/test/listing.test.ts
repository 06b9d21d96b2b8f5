import type { Database } from "@blessed-horizon/service-kit";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adjustTotals } from "../src/db/campaigns.js";
import type { CampaignBody } from "./helpers.js";
import { alice, bob, campaignApp, seedCampaign, tara } from "./helpers.js";

interface Page {
  data: CampaignBody[];
  nextCursor: string | null;
}

describe.each(testDatabases())("campaign reads on $kind", ({ open }) => {
  let db: Database;
  let app: FastifyInstance;
  const active: CampaignBody[] = [];
  let draft: CampaignBody;
  let paused: CampaignBody;

  beforeAll(async () => {
    db = await open();
    app = await campaignApp(db);
    for (let i = 0; i < 7; i += 1) active.push(await seedCampaign(app, await alice(), ["publish", "approve"]));
    paused = await seedCampaign(app, await bob(), ["publish", "approve", "pause"]);
    draft = await seedCampaign(app, await bob());
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const list = async (query: string, headers: Record<string, string> = {}) => app.inject({ url: `/api/v1/campaigns${query}`, headers });

  it("pages through public campaigns newest first with a cursor, each exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<Page>();
      seen.push(...page.data.map((c) => c.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    const newestFirst = [paused, ...active]
      .map((c) => ({ id: c.id, at: (c as CampaignBody & { createdAt: string }).createdAt }))
      .sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1));
    expect(seen).toEqual(newestFirst.map((c) => c.id));
    expect(seen).not.toContain(draft.id);
  });

  it("filters by status and organizer", async () => {
    expect((await list("?status=paused")).json<Page>().data.map((c) => c.id)).toEqual([paused.id]);
    expect((await list("?organizerId=bob")).json<Page>().data.map((c) => c.id)).toEqual([paused.id]);
    const own = (await list("?organizerId=bob", await bob())).json<Page>().data.map((c) => c.id);
    expect(own).toEqual([draft.id, paused.id]);
    expect((await list("?status=draft", await tara())).json<Page>().data.map((c) => c.id)).toEqual([draft.id]);
  });

  it("keeps drafts private: 401 anonymous, 403 for other organizers, 404 by id", async () => {
    expect((await list("?status=draft")).json()).toMatchObject({ status: 401 });
    expect((await list("?status=draft&organizerId=bob", await alice())).json()).toMatchObject({ status: 403 });
    expect((await app.inject({ url: `/api/v1/campaigns/${draft.id}` })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/v1/campaigns/${draft.id}`, headers: await alice() })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/v1/campaigns/${draft.id}`, headers: await bob() })).json()).toMatchObject({ id: draft.id });
    expect((await app.inject({ url: `/api/v1/campaigns/${active[0].id}` })).json()).toMatchObject({ id: active[0].id, status: "active" });
  });

  it("refuses bad list parameters with 400", async () => {
    for (const query of ["?limit=101", "?limit=0", "?limit=ten", "?status=archived", "?cursor=not-a-cursor", "?limit=2.5"]) {
      const response = await list(query);
      expect(response.statusCode, query).toBe(400);
      expect(response.headers["content-type"]).toContain("application/problem+json");
    }
    expect((await list("?limit=100")).statusCode).toBe(200);
  });

  it("reports totals as the donation consumer keeps them", async () => {
    const campaign = active[0];
    await db.transaction(async (tx) => {
      expect(await adjustTotals(tx, campaign.id, 600_000, 1, new Date())).toBe(true);
      await adjustTotals(tx, campaign.id, 150_000, 1, new Date());
    });
    const totals = await app.inject({ url: `/api/v1/campaigns/${campaign.id}/totals` });
    expect(totals.json()).toEqual({
      campaignId: campaign.id,
      raised: { amount: 750_000, currency: "KES" },
      donationCount: 2,
      goal: { amount: 1_500_000, currency: "KES" },
      percent: 50,
    });
    expect(await adjustTotals(db, "8d3c3d4e-0000-4000-8000-000000000000", 1, 1, new Date())).toBe(false);
  });

  it("documents every endpoint in its OpenAPI document", async () => {
    const document = (await app.inject("/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}",
        "/api/v1/campaigns/{id}/totals",
        ...["publish", "approve", "pause", "resume", "end", "suspend", "reinstate"].map((a) => `/api/v1/campaigns/{id}/${a}`),
      ]),
    );
    expect(Object.keys(document.paths["/api/v1/campaigns"]).sort()).toEqual(["get", "post"]);
  });
});

describe("the public list cache", () => {
  it("serves a cached page and drops it when this process writes", async () => {
    const db = await testDatabases()[0].open();
    const app = await campaignApp(db, 60_000);
    const before = (await app.inject("/api/v1/campaigns")).json<Page>();
    expect(before.data).toEqual([]);
    await db.query(
      "insert into campaigns values ('8d3c3d4e-0000-4000-8000-000000000001', 'x', 't', 's', 'b', 1, 'USD', 'active', null, now(), now())",
    );
    expect((await app.inject("/api/v1/campaigns")).json<Page>().data).toEqual([]);
    await seedCampaign(app, await alice());
    expect((await app.inject("/api/v1/campaigns")).json<Page>().data).toHaveLength(1);
    await app.close();
    await db.close();
  });
});
