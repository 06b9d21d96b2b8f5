import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Database } from "../db/database.js";
import { serviceMigrationsApplied } from "../db/service-migrations.js";
import { ServiceUnavailableError } from "../errors.js";

const READY_TIMEOUT_MS = 2_000;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /healthz: the process is alive. GET /readyz: the database answers and every migration is applied. */
export const healthPlugin = fp(
  (app: FastifyInstance, options: { db: Database; migrationsDir?: string | undefined }, done: (error?: Error) => void) => {
    app.get("/healthz", { schema: { hide: true } }, (_request, reply) => reply.send({ status: "ok" }));
    app.get("/readyz", { schema: { hide: true } }, async (request) => {
      try {
        await withTimeout(options.db.ping(), READY_TIMEOUT_MS);
      } catch (error) {
        request.log.warn({ err: error }, "readiness: database does not answer");
        throw new ServiceUnavailableError("the database does not answer", { code: "BH_NOT_READY" });
      }
      const applied = await withTimeout(serviceMigrationsApplied(options.db, options.migrationsDir), READY_TIMEOUT_MS).catch(
        () => false,
      );
      if (!applied) throw new ServiceUnavailableError("database migrations are not applied (or dirty)", { code: "BH_NOT_READY" });
      return { status: "ready" };
    });
    done();
  },
  { name: "blessed-horizon-health", fastify: "5.x" },
);
