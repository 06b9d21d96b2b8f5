import type { Database } from "@blessed-horizon/service-kit";
import { bearer, testDatabases, TEST_JWT_SECRET } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CampaignBody } from "./helpers.js";
import { alice, bob, campaignApp, dan, seedCampaign, snapshot, tara, validCampaign } from "./helpers.js";

describe.each(testDatabases())("campaign writes on $kind", ({ open }) => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await open();
    app = await campaignApp(db);
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const create = async (payload: unknown, headers?: Record<string, string>, contentType = "application/json") =>
    app.inject({
      method: "POST",
      url: "/api/v1/campaigns",
      headers: { ...(headers ?? (await alice())), "content-type": contentType },
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });

  it("creates a draft owned by the caller, with a Location, and zero totals", async () => {
    const response = await create(validCampaign);
    expect(response.statusCode).toBe(201);
    const campaign = response.json<CampaignBody>();
    expect(campaign).toMatchObject({ ...validCampaign, organizerId: "alice", status: "draft" });
    expect(response.headers.location).toBe(`/api/v1/campaigns/${campaign.id}`);
    const totals = await app.inject({ url: `/api/v1/campaigns/${campaign.id}/totals`, headers: await alice() });
    expect(totals.json()).toEqual({ campaignId: campaign.id, raised: { amount: 0, currency: "KES" }, donationCount: 0, goal: validCampaign.goal, percent: 0 });
  });

  it("refuses bad input with 4xx problem+json and writes nothing", async () => {
    const before = await snapshot(db);
    const cases: [unknown, string, number][] = [
      ["{ not json", "BH_MALFORMED_JSON", 400],
      [{ ...validCampaign, title: 42 }, "BH_VALIDATION", 400],
      [{ ...validCampaign, title: "   " }, "BH_VALIDATION", 400],
      [{ ...validCampaign, goal: { amount: 10.5, currency: "USD" } }, "BH_VALIDATION", 400],
      [{ ...validCampaign, goal: { amount: 0, currency: "USD" } }, "BH_VALIDATION", 400],
      [{ ...validCampaign, goal: { amount: 100, currency: "dollars" } }, "BH_VALIDATION", 400],
      [{ ...validCampaign, goal: "100 USD" }, "BH_VALIDATION", 400],
      [{ ...validCampaign, status: "active" }, "BH_VALIDATION", 400],
      [{ title: "only a title" }, "BH_VALIDATION", 400],
      [[validCampaign], "BH_VALIDATION", 400],
      // Text PostgreSQL cannot store is refused up front, not discovered by the database as a 500.
      [{ ...validCampaign, title: "clean\u0000water" }, "BH_BAD_REQUEST", 400],
      [{ ...validCampaign, story: "half a pair \ud83d" }, "BH_BAD_REQUEST", 400],
    ];
    for (const [payload, code, status] of cases) {
      const response = await create(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json()).toMatchObject({ code, status });
    }
    const missing = (await create({ title: "only a title" })).json<{ errors: { path: string; message: string }[] }>();
    expect(missing.errors).toContainEqual({ in: "body", path: "/story", message: "is required" });
    expect((await create("title=x", await alice(), "text/plain")).statusCode).toBe(415);
    expect(await snapshot(db)).toEqual(before);
  });

  it("refuses missing, expired and forged tokens (401) and the wrong role (403), writing nothing", async () => {
    const before = await snapshot(db);
    const expired = await bearer({ sub: "alice", roles: ["organizer"] }, TEST_JWT_SECRET, -60);
    const forged = await bearer({ sub: "alice", roles: ["organizer"] }, "not-the-secret-not-the-secret-not-the");
    for (const headers of [{}, expired, forged, { authorization: "Bearer garbage" }]) {
      const response = await create(validCampaign, headers);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: "BH_UNAUTHORIZED" });
    }
    expect((await create(validCampaign, await dan())).json()).toMatchObject({ status: 403, code: "BH_FORBIDDEN" });
    expect(await snapshot(db)).toEqual(before);
  });

  it("walks the lifecycle: publish, approve, pause, resume, suspend, reinstate, end", async () => {
    const campaign = await seedCampaign(app, await alice(), ["publish", "approve", "pause", "resume", "suspend", "reinstate"]);
    expect(campaign.status).toBe("active");
    const ended = await app.inject({ method: "POST", url: `/api/v1/campaigns/${campaign.id}/end`, headers: await alice() });
    expect(ended.json()).toMatchObject({ status: "ended" });
  });

  it("answers an illegal transition with 409 and changes nothing", async () => {
    const draft = await seedCampaign(app, await alice());
    const before = await snapshot(db);
    for (const action of ["pause", "resume", "end"]) {
      const response = await app.inject({ method: "POST", url: `/api/v1/campaigns/${draft.id}/${action}`, headers: await alice() });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ code: "BH_ILLEGAL_TRANSITION", detail: expect.stringContaining("draft") as string });
    }
    const approve = await app.inject({ method: "POST", url: `/api/v1/campaigns/${draft.id}/approve`, headers: await tara() });
    expect(approve.json()).toMatchObject({ status: 409, code: "BH_ILLEGAL_TRANSITION" });
    expect(await snapshot(db)).toEqual(before);
  });

  it("lets only the owner act and edit, and only trust suspend", async () => {
    const active = await seedCampaign(app, await alice(), ["publish", "approve"]);
    const before = await snapshot(db);
    const act = async (action: string, headers: Record<string, string>) =>
      app.inject({ method: "POST", url: `/api/v1/campaigns/${active.id}/${action}`, headers });
    expect((await act("pause", await bob())).json()).toMatchObject({ status: 403, detail: "only the campaign's organizer can pause it" });
    expect((await act("suspend", await alice())).statusCode).toBe(403);
    expect((await act("approve", await alice())).statusCode).toBe(403);
    const edit = await app.inject({ method: "PATCH", url: `/api/v1/campaigns/${active.id}`, headers: await bob(), payload: { title: "Mine now" } });
    expect(edit.statusCode).toBe(403);
    expect(await snapshot(db)).toEqual(before);
    expect((await act("pause", await bearer({ sub: "root", roles: ["admin"] }))).json()).toMatchObject({ status: "paused" });
  });

  it("edits by PATCH within the rules", async () => {
    const draft = await seedCampaign(app, await alice());
    const patch = async (payload: unknown, id = draft.id) =>
      app.inject({ method: "PATCH", url: `/api/v1/campaigns/${id}`, headers: await alice(), payload: payload as object });
    const edited = await patch({ title: "Clean water, phase 2", goal: { amount: 2000, currency: "USD" } });
    expect(edited.json()).toMatchObject({ title: "Clean water, phase 2", goal: { amount: 2000, currency: "USD" }, story: validCampaign.story });
    expect((await patch({})).json()).toMatchObject({ status: 400, code: "BH_VALIDATION" });
    expect((await patch({ organizerId: "bob" })).statusCode).toBe(400);
    const live = await seedCampaign(app, await alice(), ["publish"]);
    expect((await patch({ goal: { amount: 1, currency: "EUR" } }, live.id)).json()).toMatchObject({ status: 409, code: "BH_NOT_EDITABLE" });
  });

  it("answers unknown and malformed ids with 404", async () => {
    for (const id of ["8d3c3d4e-0000-4000-8000-000000000000", "nope"]) {
      for (const request of [
        { method: "GET" as const, url: `/api/v1/campaigns/${id}` },
        { method: "GET" as const, url: `/api/v1/campaigns/${id}/totals` },
        { method: "PATCH" as const, url: `/api/v1/campaigns/${id}`, payload: { title: "x" } },
        { method: "POST" as const, url: `/api/v1/campaigns/${id}/publish` },
      ]) {
        const response = await app.inject({ ...request, headers: await alice() });
        expect(response.statusCode, `${request.method} ${request.url}`).toBe(404);
        expect(response.json()).toMatchObject({ code: "BH_NOT_FOUND" });
      }
    }
  });

  it("replays a create with the same Idempotency-Key instead of creating twice", async () => {
    const headers = { ...(await alice()), "idempotency-key": "create-once" };
    const first = await app.inject({ method: "POST", url: "/api/v1/campaigns", headers, payload: { ...validCampaign, title: "Once" } });
    const second = await app.inject({ method: "POST", url: "/api/v1/campaigns", headers, payload: { ...validCampaign, title: "Once" } });
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(second.json<CampaignBody>().id).toBe(first.json<CampaignBody>().id);
    const { rows } = await db.query("select id from campaigns where title = 'Once'");
    expect(rows).toHaveLength(1);
  });
});
