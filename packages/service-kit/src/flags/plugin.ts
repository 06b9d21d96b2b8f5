import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { FlagContext, FlagsClient } from "./client.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The service's feature flags (FLAGS_FILE), evaluated in process. */
    flags: FlagsClient;
  }
}

/** Decorates `app.flags` and closes it with the app. */
export const flagsPlugin = fp(
  (app: FastifyInstance, options: { client: FlagsClient }, done: (error?: Error) => void) => {
    app.decorate("flags", options.client);
    app.addHook("onClose", async () => {
      await options.client.close();
    });
    done();
  },
  { name: "blessed-horizon-flags", fastify: "5.x" },
);

/**
 * The evaluation context of a request: `targetingKey` is the caller's id when
 * signed in, else the request id (so a percentage rollout splits anonymous
 * requests); `attributes` (campaignId, donorId, ...) are what rules match on
 * and, given as `targetingKey`, what a rollout hashes instead.
 */
export function flagContext(request: FastifyRequest, attributes: FlagContext = {}): FlagContext {
  const { targetingKey, ...rest } = attributes;
  return { ...(request.user ? { userId: request.user.sub } : {}), ...rest, targetingKey: targetingKey ?? request.user?.sub ?? request.id };
}
