import type { Queryable, ServiceApp } from "@blessed-horizon/service-kit";
import { ConflictError, NotFoundError } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { findNotification, listDeadLetters, replayDeadLetter } from "../db/notifications.js";

const IdParams = z.object({ id: z.uuid("must be a UUID") });
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export function registerDeadLetterRoutes(app: ServiceApp, deps: { db: Queryable; onReplay: () => void; now?: () => Date }): void {
  const guard = app.requireRole("admin");

  app.get("/api/v1/dead-letters", { schema: { querystring: ListQuery, tags: ["dead letters"], summary: "Messages that failed every attempt" }, onRequest: guard }, async (request) => ({
    items: await listDeadLetters(deps.db, request.query),
  }));

  app.post(
    "/api/v1/dead-letters/:id/replay",
    { schema: { params: IdParams, tags: ["dead letters"], summary: "Queue a dead letter again with a fresh set of attempts" }, onRequest: guard },
    async (request, reply) => {
      const replayed = await replayDeadLetter(deps.db, request.params.id, deps.now?.() ?? new Date());
      if (!replayed) {
        const existing = await findNotification(deps.db, request.params.id);
        if (!existing) throw new NotFoundError(`notification ${request.params.id} does not exist`);
        throw new ConflictError(`notification ${request.params.id} is ${existing.status}, not a dead letter`, { code: "BH_NOT_DEAD_LETTER" });
      }
      deps.onReplay();
      return reply.code(202).send(replayed);
    },
  );
}
