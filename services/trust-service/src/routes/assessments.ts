import { NotFoundError } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { createAssessment, findAssessment, type AssessDeps } from "../db/assessments.js";
import { AssessmentRequestSchema } from "../domain/input.js";
import type { Counter } from "prom-client";
import type { TrustApp } from "./types.js";

const IdParams = z.object({ id: z.uuid("must be a UUID") });

export function registerAssessmentRoutes(app: TrustApp, deps: AssessDeps & { onEvent: () => void; decisions: Counter<"kind" | "decision"> }): void {
  app.post(
    "/api/v1/assessments",
    {
      schema: { body: AssessmentRequestSchema, tags: ["assessments"], summary: "Assess a donation or a campaign" },
      onRequest: app.requireRole("trust"),
    },
    async (request, reply) => {
      const { assessment, created } = await createAssessment(deps, request.body);
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
