import type { AuthUser, ServiceApp } from "@blessed-horizon/service-kit";
import { UnauthorizedError } from "@blessed-horizon/service-kit";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { CampaignService } from "../service/campaigns.js";
import { notFound } from "../service/campaigns.js";
import type { CampaignAction } from "../domain/campaign.js";
import { ACTION_ACTOR, isCampaignId } from "../domain/campaign.js";
import type { ListCache } from "./list-cache.js";
import { CampaignSchema, CreateCampaignBody, EditCampaignBody, IdParams, toJson } from "./schemas.js";

/** The lifecycle routes, one per action, spelt out so that each can be found by its path. */
const LIFECYCLE_ROUTES: ReadonlyArray<{ url: `/api/v1/campaigns/:id/${CampaignAction}`; action: CampaignAction; summary: string }> = [
  { url: "/api/v1/campaigns/:id/publish", action: "publish", summary: "Submit a draft for review (organizer): draft -> pending_review" },
  { url: "/api/v1/campaigns/:id/approve", action: "approve", summary: "Approve a reviewed campaign (trust): pending_review -> active" },
  { url: "/api/v1/campaigns/:id/pause", action: "pause", summary: "Pause donations (organizer): active -> paused" },
  { url: "/api/v1/campaigns/:id/resume", action: "resume", summary: "Resume donations (organizer): paused -> active" },
  { url: "/api/v1/campaigns/:id/end", action: "end", summary: "End the campaign for good (organizer): active or paused -> ended" },
  { url: "/api/v1/campaigns/:id/suspend", action: "suspend", summary: "Suspend a campaign (trust): pending_review, active or paused -> suspended" },
  { url: "/api/v1/campaigns/:id/reinstate", action: "reinstate", summary: "Lift a suspension (trust): back to the status it had" },
];

const EmptyBody = z.union([z.undefined(), z.null(), z.strictObject({})]);

/** The caller of a route behind `authenticate` or `requireRole`. */
function caller(request: FastifyRequest): AuthUser {
  if (request.user === undefined) throw new UnauthorizedError("this route needs a bearer token");
  return request.user;
}

export function registerWriteRoutes(app: ServiceApp, deps: { campaigns: CampaignService; listCache: ListCache }): void {
  const security = [{ bearerAuth: [] }];

  app.post(
    "/api/v1/campaigns",
    {
      schema: {
        summary: "Create a campaign (organizer); it starts as a draft",
        tags: ["campaigns"],
        security,
        body: CreateCampaignBody,
        response: { 201: CampaignSchema },
      },
      onRequest: app.requireRole("organizer"),
      config: { idempotency: "optional" },
    },
    async (request, reply) => {
      const campaign = await deps.campaigns.create(caller(request), request.body);
      deps.listCache.clear();
      return reply.code(201).header("location", `/api/v1/campaigns/${campaign.id}`).send(toJson(campaign));
    },
  );

  app.patch(
    "/api/v1/campaigns/:id",
    {
      schema: { summary: "Edit a campaign (its organizer)", tags: ["campaigns"], security, params: IdParams, body: EditCampaignBody, response: { 200: CampaignSchema } },
      onRequest: app.authenticate,
    },
    async (request) => {
      if (!isCampaignId(request.params.id)) throw notFound(request.params.id);
      const campaign = await deps.campaigns.edit(caller(request), request.params.id, request.body);
      deps.listCache.clear();
      return toJson(campaign);
    },
  );

  for (const { url, action, summary } of LIFECYCLE_ROUTES) {
    app.post(
      url,
      {
        schema: { summary, tags: ["lifecycle"], security, params: IdParams, body: EmptyBody, response: { 200: CampaignSchema } },
        onRequest: ACTION_ACTOR[action] === "trust" ? app.requireRole("trust") : app.authenticate,
        config: { idempotency: "optional" },
      },
      async (request) => {
        if (!isCampaignId(request.params.id)) throw notFound(request.params.id);
        const campaign = await deps.campaigns.act(caller(request), request.params.id, action);
        deps.listCache.clear();
        return toJson(campaign);
      },
    );
  }
}
