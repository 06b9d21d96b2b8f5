import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Database } from "../db/database.js";
import { ConflictError, InputError } from "../errors.js";
import { claimKey, completeKey, dropStaleKey, findKey, purgeExpiredIdempotencyKeys, releaseKey } from "./store.js";
import type { StoredResponse } from "./store.js";

export type IdempotencyMode = "required" | "optional";

/**
 * What a retry answers while its key is still claimed (the first request may
 * have died with its process): "replied" once it sent what that request did
 * (the answer, or the error it throws, is stored for the key), "running" (409:
 * it may have had effects that are not settled yet), or "not-started" (nothing
 * happened: once the claim is abandoned, the request runs again). `storedKey`
 * is the caller-scoped key.
 */
export type IdempotencyResume = (request: FastifyRequest, reply: FastifyReply, storedKey: string) => Promise<"replied" | "running" | "not-started">;

declare module "fastify" {
  interface FastifyContextConfig {
    /** Honour the Idempotency-Key header on this route ("required": refuse requests without one). */
    idempotency?: IdempotencyMode;
    /** How a retry learns what an unfinished first request did; without it, an abandoned key runs again. */
    idempotencyResume?: IdempotencyResume;
  }
  interface FastifyRequest {
    /**
     * `key` is the caller-scoped key as stored; `reclaimed` when this claim took
     * over a key released after a 5xx (that request may have had effects: look
     * them up; a new key has none); `resumed` when the answer comes from `idempotencyResume`.
     */
    idempotencyClaim: { key: string; settled: boolean; reclaimed: boolean; resumed?: boolean } | undefined;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const STORED_HEADERS = ["content-type", "location"];
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const CLAIM_ATTEMPTS = 3;

/**
 * JSON with object keys sorted (UTF-16 order, as RFC 8785) and undefined
 * members left out, so the same body in another key order is the same text.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** Whose keys a request uses: the token's subject, or `guest` for unauthenticated calls (Stripe scopes keys per account). */
function idempotencyScope(request: Pick<FastifyRequest, "user">): string {
  return request.user?.sub ?? "guest";
}

/**
 * The stored key: scope and key. Keys never contain a space, so the last
 * space splits them again and two callers' keys never meet.
 */
function scopedKey(scope: string, key: string): string {
  return `${scope} ${key}`;
}

/** What makes two requests with one key "the same": method, path and query, body (canonical JSON). */
export function requestFingerprint(request: Pick<FastifyRequest, "method" | "url" | "body">): string {
  return createHash("sha256")
    .update(canonicalJson([request.method, request.url, request.body ?? null]))
    .digest("hex");
}

function replay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).header("idempotent-replayed", "true").send(response.body);
}

function inFlight(): ConflictError {
  return new ConflictError("a request with this Idempotency-Key is still in progress; retry later", { code: "BH_IDEMPOTENCY_IN_FLIGHT" });
}

function createHook(db: Database, mode: IdempotencyMode, resume: IdempotencyResume | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async function idempotency(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers["idempotency-key"];
    if (header === undefined) {
      if (mode === "required") {
        throw new InputError("this endpoint needs an Idempotency-Key header", { code: "BH_IDEMPOTENCY_KEY_REQUIRED" });
      }
      return;
    }
    if (typeof header !== "string" || !KEY_PATTERN.test(header)) {
      throw new InputError("Idempotency-Key must be 1 to 255 printable ASCII characters", { code: "BH_IDEMPOTENCY_KEY_INVALID" });
    }
    const key = scopedKey(idempotencyScope(request), header);
    const fingerprint = requestFingerprint(request);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
      const claimed = await claimKey(db, key, fingerprint);
      if (claimed !== undefined) {
        request.idempotencyClaim = { key, settled: false, reclaimed: claimed.reclaimed };
        return;
      }
      const stored = await findKey(db, key);
      if (stored === undefined) continue; // released or purged meanwhile: claim again
      if (stored.expired || (stored.abandoned && resume === undefined)) {
        await dropStaleKey(db, key);
        continue;
      }
      if (stored.fingerprint !== fingerprint) {
        throw new InputError("this Idempotency-Key was used with a different request; use a new key for a new request", {
          code: "BH_IDEMPOTENCY_KEY_REUSED",
        });
      }
      if (stored.response !== undefined) return replay(reply, stored.response);
      if (resume === undefined) throw inFlight();
      // The answer resume gives (or the error it throws) completes the first request's claim.
      request.idempotencyClaim = { key, settled: false, reclaimed: false, resumed: true };
      const resumed = await resume(request, reply, key);
      if (resumed === "replied") return reply;
      request.idempotencyClaim = undefined;
      if (resumed === "running" || !stored.abandoned) throw inFlight();
      await dropStaleKey(db, key);
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
      route.preHandler = [...existing, createHook(db, mode, route.config?.idempotencyResume)];
    });
    app.addHook("onSend", async (request, reply, payload) => {
      const claim = request.idempotencyClaim;
      if (claim === undefined || claim.settled) return payload;
      claim.settled = true;
      try {
        if (reply.statusCode >= 500 || typeof payload !== "string") {
          // A resumed claim belongs to a request that may have had effects: never free it for a re-run.
          if (!claim.resumed) await releaseKey(db, claim.key);
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
      if (claim === undefined || claim.settled || claim.resumed) return;
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
