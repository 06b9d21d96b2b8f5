import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import type { BaseConfig } from "../config/config.js";
import { baseConfigSchema, loadConfig } from "../config/config.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { migrateService } from "../db/service-migrations.js";
import type { EventBus } from "../events/bus.js";

/** What the root launcher and `server.ts` pass to a service's `startService`. */
export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  port?: number;
  host?: string;
  /** Shared event bus (the launcher gives every service the same one). */
  bus?: EventBus;
}

export interface RunningService {
  name: string;
  /** Where it listens, e.g. http://localhost:8081 */
  url: string;
  close(): Promise<void>;
}

export interface BootDeps<C extends BaseConfig> {
  config: C;
  db: Database;
  bus: EventBus | undefined;
}

export interface BootSpec<S extends typeof baseConfigSchema> {
  name: string;
  /** Service config schema (default: the base schema). */
  schema?: S;
  /** Defaults for unset variables, e.g. { PORT: "8081" }. DATA_DIR defaults to `.data/<name>`. */
  defaults?: Readonly<Record<string, string>>;
  migrationsDir: string;
  options?: StartOptions;
  build(deps: BootDeps<Omit<z.infer<S>, "JWT_SECRET"> & { JWT_SECRET: string }>): Promise<FastifyInstance>;
}

function urlOf(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  const host = address.address === "0.0.0.0" || address.address === "::" ? "localhost" : address.address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

/**
 * The usual start-up: config, database, migrations (kit then service), app,
 * listen. What was opened is closed again when a later step fails. `close()`
 * stops accepting, lets in-flight requests finish, then closes the database.
 */
export async function bootService<S extends typeof baseConfigSchema>(
  spec: BootSpec<S>,
): Promise<RunningService & { app: FastifyInstance; db: Database }> {
  const options = spec.options ?? {};
  const schema = spec.schema ?? (baseConfigSchema as S);
  const config = loadConfig(schema, options.env ?? process.env, { DATA_DIR: `.data/${spec.name}`, ...spec.defaults });
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: config.DATABASE_POOL_MAX, prepare: config.DATABASE_PREPARE });
  let app: FastifyInstance | undefined;
  try {
    await migrateService(db, spec.migrationsDir);
    app = await spec.build({ config, db, bus: options.bus });
    await app.listen({ port: options.port ?? config.PORT, host: options.host ?? config.HOST });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
  const running = app;
  let closing: Promise<void> | undefined;
  return {
    name: spec.name,
    url: urlOf(running),
    app: running,
    db,
    close() {
      closing ??= (async () => {
        try {
          await running.close();
        } finally {
          await db.close();
        }
      })();
      return closing;
    },
  };
}
