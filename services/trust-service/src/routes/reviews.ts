import { ConflictError, NotFoundError } from "@blessed-horizon/service-kit";
import { z } from "zod";
import type { ServiceApp, SqlDatabase, WriteEvent } from "@blessed-horizon/service-kit";
import { decideReview, findReview, listReviews, ReviewAlreadyDecidedError, ReviewNotFoundError } from "../db/reviews.js";
import { ReviewDecisionSchema } from "../domain/input.js";

const IdParams = z.object({ id: z.uuid("must be a UUID") });
const ListQuery = z.object({
  status: z.enum(["open", "approved", "rejected"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function registerReviewRoutes(app: ServiceApp, deps: { db: SqlDatabase; writeEvent: WriteEvent; onEvent: () => void }): void {
  const guard = app.requireRole("trust");

  app.get("/api/v1/reviews", { schema: { querystring: ListQuery, tags: ["reviews"], summary: "The review queue, oldest first" }, onRequest: guard }, async (request) => ({
    items: await listReviews(deps.db, request.query),
  }));

  app.get("/api/v1/reviews/:id", { schema: { params: IdParams, tags: ["reviews"] }, onRequest: guard }, async (request) => {
    const review = await findReview(deps.db, request.params.id);
    if (!review) throw new NotFoundError(`review ${request.params.id} does not exist`);
    return review;
  });

  app.post(
    "/api/v1/reviews/:id/decision",
    { schema: { params: IdParams, body: ReviewDecisionSchema, tags: ["reviews"], summary: "Approve (allow) or reject (block) a held subject" }, onRequest: guard },
    async (request) => {
      try {
        const review = await decideReview(deps, request.params.id, { ...request.body, decidedBy: request.user?.sub ?? "unknown" });
        deps.onEvent();
        return review;
      } catch (error) {
        if (error instanceof ReviewNotFoundError) throw new NotFoundError(error.message, { cause: error });
        if (error instanceof ReviewAlreadyDecidedError) throw new ConflictError(error.message, { cause: error, code: "BH_REVIEW_DECIDED" });
        throw error;
      }
    },
  );
}
