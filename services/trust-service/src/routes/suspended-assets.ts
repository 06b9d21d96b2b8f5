import { NotFoundError, storableText } from "@blessed-horizon/service-kit";
import { z } from "zod";
import type { ServiceApp, SqlQueryable } from "@blessed-horizon/service-kit";
import { liftSuspension, listSuspendedAssets, suspendAsset } from "../db/suspended.js";
import { ASSET_KINDS, normalizeAsset, SuspendAssetSchema } from "../domain/input.js";

const IdParams = z.object({ id: z.uuid("must be a UUID") });
const KindQuery = z.object({ kind: z.enum(ASSET_KINDS).optional() });
const AssetQuery = z.object({ kind: z.enum(ASSET_KINDS), value: storableText(1, 320) });

export function registerSuspendedAssetRoutes(app: ServiceApp, deps: { db: SqlQueryable }): void {
  const guard = app.requireRole("trust");

  app.get("/api/v1/suspended-assets", { schema: { querystring: KindQuery, tags: ["suspended assets"] }, onRequest: guard }, async (request) => ({
    items: await listSuspendedAssets(deps.db, request.query.kind),
  }));

  app.post(
    "/api/v1/suspended-assets",
    { schema: { body: SuspendAssetSchema, tags: ["suspended assets"], summary: "Suspend a card fingerprint, email or IP" }, onRequest: guard },
    async (request, reply) => {
      const { asset, created } = await suspendAsset(deps.db, { ...request.body, createdBy: request.user?.sub ?? "unknown" });
      return reply.code(created ? 201 : 200).send(asset);
    },
  );

  app.delete("/api/v1/suspended-assets/:id", { schema: { params: IdParams, tags: ["suspended assets"] }, onRequest: guard }, async (request, reply) => {
    if (!(await liftSuspension(deps.db, { id: request.params.id }))) throw new NotFoundError(`suspended asset ${request.params.id} does not exist`);
    return reply.code(204).send();
  });

  app.delete(
    "/api/v1/suspended-assets",
    { schema: { querystring: AssetQuery, tags: ["suspended assets"], summary: "Lift a suspension by kind and value" }, onRequest: guard },
    async (request, reply) => {
      const { kind, value } = request.query;
      if (!(await liftSuspension(deps.db, { kind, value: normalizeAsset(kind, value) }))) {
        throw new NotFoundError(`${kind} ${value} is not suspended`);
      }
      return reply.code(204).send();
    },
  );
}
