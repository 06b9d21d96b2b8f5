import type { ZodTypeProvider } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { CampaignService } from "../campaigns.js";
import { notFound } from "../campaigns.js";
import type { CampaignAction } from "../domain/campaign.js";
import { ACTION_ACTOR } from "../domain/campaign.js";
import type { ListCache } from "./list-cache.js";
import { UUID } from "./read.js";
import { CampaignSchema, CreateCampaignBody, EditCampaignBody, IdParams, toJson } from "./schemas.js";

const ACTION_SUMMARIES: Readonly<Record<CampaignAction, string>> = {
  publish: "Submit a draft for review (organizer): draft -> pending_review",
  approve: "Approve a reviewed campaign (trust): pending_review -> active",
  pause: "Pause donations (organizer): active -> paused",
  resume: "Resume donations (organizer): paused -> active",
  end: "End the campaign for good (organizer): active or paused -> ended",
  suspend: "Suspend a campaign (trust): pending_review, active or paused -> suspended",
  reinstate: "Lift a suspension (trust): back to the status it had",
};

const EmptyBody = z.union([z.undefined(), z.null(), z.strictObject({})]);

export function registerWriteRoutes(app: FastifyInstance, deps: { campaigns: CampaignService; listCache: ListCache }): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearerAuth: [] }];

  routes.post(
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
      const campaign = await deps.campaigns.create(request.user!, request.body);
      deps.listCache.clear();
      return reply.code(201).header("location", `/api/v1/campaigns/${campaign.id}`).send(toJson(campaign));
    },
  );

  routes.patch(
    "/api/v1/campaigns/:id",
    {
      schema: { summary: "Edit a campaign (its organizer)", tags: ["campaigns"], security, params: IdParams, body: EditCampaignBody, response: { 200: CampaignSchema } },
      onRequest: app.authenticate,
    },
    async (request) => {
      if (!UUID.test(request.params.id)) throw notFound(request.params.id);
      const campaign = await deps.campaigns.edit(request.user!, request.params.id, request.body);
      deps.listCache.clear();
      return toJson(campaign);
    },
  );

  for (const action of Object.keys(ACTION_SUMMARIES) as CampaignAction[]) {
    routes.post(
      `/api/v1/campaigns/:id/${action}`,
      {
        schema: { summary: ACTION_SUMMARIES[action], tags: ["lifecycle"], security, params: IdParams, body: EmptyBody, response: { 200: CampaignSchema } },
        onRequest: ACTION_ACTOR[action] === "trust" ? app.requireRole("trust") : app.authenticate,
        config: { idempotency: "optional" },
      },
      async (request) => {
        if (!UUID.test(request.params.id)) throw notFound(request.params.id);
        const campaign = await deps.campaigns.act(request.user!, request.params.id, action);
        deps.listCache.clear();
        return toJson(campaign);
      },
    );
  }
}
