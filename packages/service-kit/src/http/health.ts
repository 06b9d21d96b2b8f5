import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Database, Queryable } from "../db/database.js";
import type { MigrationStatus } from "../db/migrations.js";
import { migrationStatus } from "../db/migrations.js";
import { KIT_MIGRATIONS_TABLE, kitMigrationsDir } from "../db/service-migrations.js";
import { ServiceUnavailableError } from "../errors.js";

const READY_TIMEOUT_MS = 2_000;

class ReadinessTimeout extends Error {
  override readonly name = "ReadinessTimeout";
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ReadinessTimeout(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One set of migrations as the database records it. */
interface MigrationSetStatus {
  table: string;
  status: MigrationStatus;
}

/** Why these migration sets keep the service from being ready, or undefined when all are applied and clean. */
function migrationProblem(sets: readonly MigrationSetStatus[]): string | undefined {
  const dirty = sets.find((set) => set.status.dirty);
  if (dirty !== undefined) {
    const version = String(dirty.status.current);
    return `the database is dirty at version ${version} (${dirty.table}): a migration failed half-way; repair it by hand, then \`migrate force ${version}\``;
  }
  const pending = sets.filter((set) => set.status.pending.length > 0);
  if (pending.length === 0) return undefined;
  return `database migrations are not applied: ${pending.map((set) => `${set.status.pending.join(", ")} pending (${set.table})`).join("; ")}`;
}

async function readMigrationSets(db: Queryable, migrationsDir: string | undefined): Promise<MigrationSetStatus[]> {
  const sets = [{ table: KIT_MIGRATIONS_TABLE, status: await migrationStatus(db, kitMigrationsDir, { table: KIT_MIGRATIONS_TABLE }) }];
  if (migrationsDir !== undefined) sets.push({ table: "schema_migrations", status: await migrationStatus(db, migrationsDir) });
  return sets;
}

/** What keeps the service from being ready, in words an operator can act on (details go to the log); undefined when ready. */
async function notReadyReason(db: Database, migrationsDir: string | undefined, log: FastifyBaseLogger): Promise<string | undefined> {
  const timedOut = `the database did not answer within ${READY_TIMEOUT_MS} ms`;
  try {
    await withTimeout(db.ping(), READY_TIMEOUT_MS);
  } catch (error) {
    log.warn({ err: error }, "readiness: database does not answer");
    return error instanceof ReadinessTimeout ? timedOut : "the database does not answer";
  }
  try {
    return migrationProblem(await withTimeout(readMigrationSets(db, migrationsDir), READY_TIMEOUT_MS));
  } catch (error) {
    log.warn({ err: error }, "readiness: cannot read the migration status");
    return error instanceof ReadinessTimeout ? timedOut : "the migration status cannot be read";
  }
}

/** GET /healthz: the process is alive. GET /readyz: the database answers and every migration is applied. */
export const healthPlugin = fp(
  (app: FastifyInstance, options: { db: Database; migrationsDir?: string | undefined }, done: (error?: Error) => void) => {
    app.get("/healthz", { schema: { hide: true } }, (_request, reply) => reply.send({ status: "ok" }));
    app.get("/readyz", { schema: { hide: true } }, async (request) => {
      const reason = await notReadyReason(options.db, options.migrationsDir, request.log);
      if (reason !== undefined) throw new ServiceUnavailableError(reason, { code: "BH_NOT_READY" });
      return { status: "ready" };
    });
    done();
  },
  { name: "blessed-horizon-health", fastify: "5.x" },
);
