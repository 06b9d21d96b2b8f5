import type { AuthUser, Database, ServiceApp } from "@blessed-horizon/service-kit";
import { flagContext, ForbiddenError, InputError, UnauthorizedError } from "@blessed-horizon/service-kit";
import type { FastifyReply } from "fastify";
import type { CampaignService } from "../service/campaigns.js";
import type { CampaignFlags } from "../flags.js";
import { notFound } from "../service/campaigns.js";
import { findTotals, listCampaigns } from "../db/campaigns.js";
import type { CampaignStatus } from "../domain/campaign.js";
import { isCampaignId, isTrust, percentOfGoal, PUBLIC_STATUSES } from "../domain/campaign.js";
import { decodeCursor, encodeCursor } from "../domain/cursor.js";
import type { ListCache } from "./list-cache.js";
import { CampaignPageSchema, CampaignSchema, IdParams, ListQuerystring, TotalsSchema, toJson } from "./schemas.js";

/** Which statuses the caller may list; undefined means all. */
function visibleStatuses(user: AuthUser | undefined, status: CampaignStatus | undefined, organizerId: string | undefined) {
  const privileged = isTrust(user) || (user !== undefined && organizerId === user.sub);
  if (status !== undefined) {
    if (PUBLIC_STATUSES.includes(status) || privileged) return [status];
    const why = `${status} campaigns are visible only to their organizer (filter by organizerId=<your id>) and the trust team`;
    throw user === undefined ? new UnauthorizedError(why) : new ForbiddenError(why);
  }
  return privileged ? undefined : PUBLIC_STATUSES;
}

/** Sends JSON already serialized (the list page is cached as text). */
function sendJsonText(reply: FastifyReply, body: string): FastifyReply {
  return reply.type("application/json; charset=utf-8").send(body);
}

export interface ReadRouteDeps {
  db: Database;
  campaigns: CampaignService;
  listCache: ListCache;
  flags: CampaignFlags;
}

export function registerReadRoutes(app: ServiceApp, deps: ReadRouteDeps): void {

  app.get(
    "/api/v1/campaigns",
    {
      schema: {
        summary: "List campaigns, newest first",
        description: "Public. Without filters: active, paused and ended campaigns. Cursor-paginated.",
        tags: ["campaigns"],
        querystring: ListQuerystring,
        response: { 200: CampaignPageSchema },
      },
      onRequest: app.identify,
    },
    async (request, reply) => {
      const { status, organizerId, cursor, limit } = request.query;
      const cacheKey = request.user === undefined ? `${status ?? ""}|${organizerId ?? ""}|${cursor ?? ""}|${limit}` : undefined;
      // Anonymous requests only; the targeting key is the request id, so a fractional rollout splits requests.
      const ttlMs = cacheKey === undefined ? 0 : await app.flags.get(deps.flags.listCacheTtlMs, flagContext(request, { status, organizerId }));
      const cached = cacheKey === undefined ? undefined : deps.listCache.get(cacheKey, ttlMs);
      if (cached !== undefined) return sendJsonText(reply, cached);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && after === undefined) {
        throw new InputError("cursor is not one this service issued; use nextCursor from a previous page", {
          errors: [{ in: "querystring", path: "/cursor", message: "invalid cursor" }],
        });
      }
      const statuses = visibleStatuses(request.user, status, organizerId);
      const rows = await listCampaigns(deps.db, { statuses, organizerId, after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor = rows.length > limit && last !== undefined ? encodeCursor(last) : null;
      const body = JSON.stringify({ data: page.map(toJson), nextCursor });
      if (cacheKey !== undefined) deps.listCache.set(cacheKey, body, ttlMs);
      return sendJsonText(reply, body);
    },
  );

  app.get(
    "/api/v1/campaigns/:id",
    {
      schema: { summary: "One campaign", tags: ["campaigns"], params: IdParams, response: { 200: CampaignSchema } },
      onRequest: app.identify,
    },
    async (request) => {
      if (!isCampaignId(request.params.id)) throw notFound(request.params.id);
      return toJson(await deps.campaigns.get(request.user, request.params.id));
    },
  );

  app.get(
    "/api/v1/campaigns/:id/totals",
    {
      schema: { summary: "Money raised so far", tags: ["campaigns"], params: IdParams, response: { 200: TotalsSchema } },
      onRequest: app.identify,
    },
    async (request) => {
      const { id } = request.params;
      if (!isCampaignId(id)) throw notFound(id);
      const campaign = await deps.campaigns.get(request.user, id);
      const totals = (await findTotals(deps.db, id)) ?? { currency: campaign.goal.currency, raisedAmount: 0, donationCount: 0 };
      return {
        campaignId: id,
        raised: { amount: totals.raisedAmount, currency: totals.currency },
        donationCount: totals.donationCount,
        goal: campaign.goal,
        percent: percentOfGoal(totals.raisedAmount, campaign.goal.amount),
      };
    },
  );
}
