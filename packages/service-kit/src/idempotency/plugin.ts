import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Database } from "../db/database.js";
import { ConflictError, InputError } from "../errors.js";
import { claimKey, completeKey, dropStaleKey, findKey, purgeExpiredIdempotencyKeys, releaseKey } from "./store.js";
import type { StoredResponse } from "./store.js";

export type IdempotencyMode = "required" | "optional";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Honour the Idempotency-Key header on this route ("required": refuse requests without one). */
    idempotency?: IdempotencyMode;
  }
  interface FastifyRequest {
    idempotencyClaim: { key: string; settled: boolean } | undefined;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const STORED_HEADERS = ["content-type", "location"];
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const CLAIM_ATTEMPTS = 3;

/** What makes two requests "the same": method, path and query, caller, body. */
export function requestFingerprint(request: Pick<FastifyRequest, "method" | "url" | "body" | "user">): string {
  return createHash("sha256")
    .update(JSON.stringify([request.method, request.url, request.user?.sub ?? null, request.body ?? null]))
    .digest("hex");
}

function replay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).header("idempotent-replayed", "true").send(response.body);
}

function createHook(db: Database, mode: IdempotencyMode): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async function idempotency(request: FastifyRequest, reply: FastifyReply) {
    const key = request.headers["idempotency-key"];
    if (key === undefined) {
      if (mode === "required") {
        throw new InputError("this endpoint needs an Idempotency-Key header", { code: "BH_IDEMPOTENCY_KEY_REQUIRED" });
      }
      return;
    }
    if (typeof key !== "string" || !KEY_PATTERN.test(key)) {
      throw new InputError("Idempotency-Key must be 1 to 255 printable ASCII characters", { code: "BH_IDEMPOTENCY_KEY_INVALID" });
    }
    const fingerprint = requestFingerprint(request);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
      if (await claimKey(db, key, fingerprint)) {
        request.idempotencyClaim = { key, settled: false };
        return;
      }
      const stored = await findKey(db, key);
      if (stored === undefined) continue; // released or purged meanwhile: claim again
      if (stored.expired || stored.abandoned) {
        await dropStaleKey(db, key);
        continue;
      }
      if (stored.fingerprint !== fingerprint) {
        throw new InputError("this Idempotency-Key was used with a different request; use a new key for a new request", {
          code: "BH_IDEMPOTENCY_KEY_REUSED",
        });
      }
      if (stored.response === undefined) {
        throw new ConflictError("a request with this Idempotency-Key is still in progress; retry later", {
          code: "BH_IDEMPOTENCY_IN_FLIGHT",
        });
      }
      return replay(reply, stored.response);
    }
    throw new ConflictError("this Idempotency-Key is contended; retry later", { code: "BH_IDEMPOTENCY_IN_FLIGHT" });
  };
}

/**
 * Stripe-style Idempotency-Key on routes with `config.idempotency`. The hook
 * is appended to the route's preHandlers, so it runs after authentication and
 * body validation (a rejected request never claims a key).
 */
export const idempotencyPlugin = fp(
  (app: FastifyInstance, options: { db: Database }, done: (error?: Error) => void) => {
    const { db } = options;
    app.decorateRequest("idempotencyClaim", undefined);
    app.addHook("onRoute", (route) => {
      const mode = route.config?.idempotency;
      if (mode === undefined) return;
      const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
      route.preHandler = [...existing, createHook(db, mode)];
    });
    app.addHook("onSend", async (request, reply, payload) => {
      const claim = request.idempotencyClaim;
      if (claim === undefined || claim.settled) return payload;
      claim.settled = true;
      try {
        if (reply.statusCode >= 500 || typeof payload !== "string") {
          await releaseKey(db, claim.key);
        } else {
          const headers: Record<string, string> = {};
          for (const name of STORED_HEADERS) {
            const value = reply.getHeader(name);
            if (typeof value === "string") headers[name] = value;
          }
          await completeKey(db, claim.key, { status: reply.statusCode, headers, body: payload });
        }
      } catch (error) {
        request.log.error({ err: error }, "could not record the idempotent response");
      }
      return payload;
    });
    app.addHook("onResponse", async (request) => {
      const claim = request.idempotencyClaim;
      if (claim === undefined || claim.settled) return;
      claim.settled = true;
      await releaseKey(db, claim.key).catch((error: unknown) => request.log.error({ err: error }, "could not release an idempotency key"));
    });
    const purge = setInterval(() => {
      purgeExpiredIdempotencyKeys(db).catch((error: unknown) => app.log.warn({ err: error }, "idempotency key purge failed"));
    }, PURGE_INTERVAL_MS);
    purge.unref();
    app.addHook("onClose", (_instance, closed) => {
      clearInterval(purge);
      closed();
    });
    done();
  },
  { name: "blessed-horizon-idempotency", fastify: "5.x", dependencies: ["blessed-horizon-auth"] },
);
