import type { Queryable, ServiceApp } from "@blessed-horizon/service-kit";
import { InputError, storableText, storableTimestamp } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { feed } from "../db/notifications.js";
import { getRecipient, saveRecipient, type Recipient } from "../db/recipients.js";
import { applyPreferences, MandatoryCategoryError, PreferencesUpdateSchema } from "../domain/preferences.js";
import { assertSelfOrAdmin } from "./access.js";

const Params = z.object({ id: storableText(1, 320) });
const FeedQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: storableTimestamp().optional(),
});

const view = (r: Recipient) => ({ recipientId: r.id, ...r.preferences, webhookSecret: r.webhookSecret });

export function registerRecipientRoutes(app: ServiceApp, deps: { db: Queryable }): void {
  app.get(
    "/api/v1/recipients/:id/feed",
    { schema: { params: Params, querystring: FeedQuery, tags: ["recipients"], summary: "In-app notifications, newest first" }, onRequest: app.authenticate },
    async (request) => {
      assertSelfOrAdmin(request, request.params.id);
      return { items: await feed(deps.db, request.params.id, request.query) };
    },
  );

  app.get(
    "/api/v1/recipients/:id/preferences",
    { schema: { params: Params, tags: ["recipients"] }, onRequest: app.authenticate },
    async (request) => {
      assertSelfOrAdmin(request, request.params.id);
      return view(await getRecipient(deps.db, request.params.id));
    },
  );

  app.put(
    "/api/v1/recipients/:id/preferences",
    {
      schema: { params: Params, body: PreferencesUpdateSchema, tags: ["recipients"], summary: "Locale, addresses and channels per category (receipts stay on)" },
      onRequest: app.authenticate,
    },
    async (request) => {
      assertSelfOrAdmin(request, request.params.id);
      const current = await getRecipient(deps.db, request.params.id);
      try {
        return view(await saveRecipient(deps.db, request.params.id, applyPreferences(current.preferences, request.body)));
      } catch (error) {
        if (error instanceof MandatoryCategoryError) throw new InputError(error.message, { cause: error, code: "BH_RECEIPTS_MANDATORY" });
        throw error;
      }
    },
  );
}
