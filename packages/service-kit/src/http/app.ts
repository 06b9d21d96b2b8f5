import swagger from "@fastify/swagger";
import Fastify, { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createVerifier } from "../auth/tokens.js";
import type { Verifier } from "../auth/tokens.js";
import { authPlugin } from "../auth/plugin.js";
import type { BaseConfig } from "../config/config.js";
import { DEVELOPMENT_JWT_SECRET } from "../config/config.js";
import type { Database } from "../db/database.js";
import { openFlags } from "../flags/client.js";
import { flagsPlugin } from "../flags/plugin.js";
import { idempotencyPlugin } from "../idempotency/plugin.js";
import { createClientErrorHandler, sendFrameworkError } from "./framework-errors.js";
import { healthPlugin } from "./health.js";
import { parseJsonBodies } from "./json-body.js";
import { createLogger, requestIdOf } from "./logger.js";
import { loggableUrl, redactedQueryParams } from "./log-url.js";
import { metricsPlugin } from "./metrics.js";
import { MAX_PATH_PARAM_LENGTH, problemPlugin } from "./problem.js";
import { serviceSwaggerTransform } from "./openapi.js";
import { convertResponseSchemas, zodValidatorCompiler } from "./zod.js";
import { parseQueryString, rejectUndecodableQuery } from "./query-string.js";
import { rejectUnstorableText } from "./storable-text.js";

export interface ServiceAppOptions {
  /** e.g. "campaign-service": the `service` metric label, logger name, OpenAPI title. */
  name: string;
  version: string;
  config: BaseConfig;
  db: Database;
  /** The service's own migrations folder, checked by /readyz. */
  migrationsDir?: string | undefined;
  /** Defaults to a redacting pino logger at `config.LOG_LEVEL`. */
  logger?: Logger | undefined;
  /** Defaults to JWKS when `config.JWKS_URL` is set, else HS256 with `config.JWT_SECRET`. */
  verifier?: Verifier | undefined;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number | undefined;
  /**
   * Query parameters, besides the kit's (`REDACTED_QUERY_PARAMS`, and any name
   * ending in "token"), whose values are redacted in logged URLs.
   */
  redactQueryParams?: readonly string[] | undefined;
  /** Extra OpenAPI description. */
  description?: string | undefined;
}


/**
 * Node's server.close() closes the connections idle at that moment and then
 * waits for the others, and Fastify marks only requests that arrive while
 * closing: a keep-alive connection whose request was in flight stayed open
 * after its response until keepAliveTimeout (72 s), past SHUTDOWN_TIMEOUT_MS.
 * So every response sent while closing says `Connection: close` (Node ends
 * the socket after it), and connections left idle are closed after each one.
 */
function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing && !reply.raw.headersSent) reply.header("connection", "close");
    done(null, payload);
  });
  app.addHook("onResponse", (_request, _reply, done) => {
    if (closing) setImmediate(() => app.server.closeIdleConnections());
    done();
  });
}

/**
 * A Fastify app with everything a Blessed Horizon service shares: request ids,
 * redacted logs, metrics, health, OpenAPI, problem+json errors, auth,
 * idempotency and feature flags (`app.flags`, from `config.FLAGS_FILE`). The service registers its routes on it afterwards.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<FastifyInstance> {
  const { name, config, db } = options;
  const logger: FastifyBaseLogger = options.logger ?? createLogger({ name, level: config.LOG_LEVEL });
  const app = Fastify({
    loggerInstance: logger,
    genReqId: requestIdOf,
    // One "request completed" line per request (below) instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: "reqId", disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // request.ip: the TCP peer, or with TRUST_PROXY the closest X-Forwarded-For entry not from a listed proxy.
    trustProxy: config.TRUST_PROXY,
    // While closing, a request that reaches an open connection is still served
    // (with Connection: close, below) rather than refused with Fastify's bare
    // 503: the service drains anyway, and its dependencies stay up until it is
    // closed (scripts/start.ts stops callers first).
    return503OnClosing: false,
    forceCloseConnections: "idle",
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH, querystringParser: parseQueryString },
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: createClientErrorHandler(logger),
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  // The APIs speak JSON only: any other body is 415, not a string that fails validation.
  app.removeContentTypeParser("text/plain");
  parseJsonBodies(app);
  rejectUndecodableQuery(app);
  rejectUnstorableText(app);
  app.addHook("onRoute", convertResponseSchemas);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  const redacted = redactedQueryParams(options.redactQueryParams);
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      { method: request.method, url: loggableUrl(request.url, redacted), statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime * 10) / 10 },
      "request completed",
    );
  });
  closeConnectionsWhenClosing(app);
  if (options.verifier === undefined && config.JWKS_URL === undefined && config.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
    logger.warn("JWT_SECRET is not set: tokens are signed with the public development secret (never do this in production)");
  }

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: name, version: options.version, ...(options.description ? { description: options.description } : {}) },
      components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
    transform: serviceSwaggerTransform,
  });
  await app.register(problemPlugin);
  await app.register(metricsPlugin, { service: name });
  await app.register(healthPlugin, { db, migrationsDir: options.migrationsDir });
  await app.register(authPlugin, { verifier: options.verifier ?? createVerifier(config) });
  await app.register(idempotencyPlugin, { db });
  await app.register(flagsPlugin, { client: await openFlags({ file: config.FLAGS_FILE, logger: logger.child({ component: "flags" }) }) });
  app.get("/openapi.json", { schema: { hide: true } }, (_request, reply) => reply.send(app.swagger()));
  return app;
}
