import { flagContext, NotFoundError } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { createAssessment, findAssessment, type AssessDeps } from "../db/assessments.js";
import type { TrustConfig } from "../domain/config.js";
import type { AssessmentRequest } from "../domain/input.js";
import { AssessmentRequestSchema, donorKey } from "../domain/input.js";
import type { TrustFlags } from "../flags.js";
import type { FastifyRequest } from "fastify";
import type { Counter } from "prom-client";
import type { ServiceApp } from "@blessed-horizon/service-kit";

const IdParams = z.object({ id: z.uuid("must be a UUID") });

/** The rule thresholds for this request: the configured ones, with the flags' variants for its campaign and donor. */
async function configFor(app: ServiceApp, flags: TrustFlags, config: TrustConfig, request: FastifyRequest, body: AssessmentRequest): Promise<TrustConfig> {
  if (body.kind !== "donation") return config;
  const context = flagContext(request, { targetingKey: donorKey(body) ?? body.campaignId, campaignId: body.campaignId });
  return { ...config, donorCampaignPerHour: await app.flags.get(flags.donorCampaignPerHour, context) };
}

export function registerAssessmentRoutes(
  app: ServiceApp,
  deps: AssessDeps & { onEvent: () => void; decisions: Counter<"kind" | "decision">; flags: TrustFlags },
): void {
  app.post(
    "/api/v1/assessments",
    {
      schema: { body: AssessmentRequestSchema, tags: ["assessments"], summary: "Assess a donation or a campaign" },
      onRequest: app.requireRole("trust"),
    },
    async (request, reply) => {
      const config = await configFor(app, deps.flags, deps.config, request, request.body);
      const { assessment, created } = await createAssessment({ ...deps, config }, request.body);
      if (created) deps.onEvent();
      deps.decisions.inc({ kind: assessment.kind, decision: assessment.decision });
      return reply.code(created ? 201 : 200).send(assessment);
    },
  );

  app.get(
    "/api/v1/assessments/:id",
    { schema: { params: IdParams, tags: ["assessments"] }, onRequest: app.requireRole("trust") },
    async (request) => {
      const assessment = await findAssessment(deps.db, request.params.id);
      if (!assessment) throw new NotFoundError(`assessment ${request.params.id} does not exist`);
      return assessment;
    },
  );
}
