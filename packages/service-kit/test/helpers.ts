import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Database } from "../src/db/database.js";
import { createServiceApp } from "../src/http/app.js";
import { testConfig } from "../src/testing/index.js";

/** A service migrations folder with one table, `things`. */
export async function thingsMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bh-kit-app-"));
  await writeFile(join(dir, "0001_things.up.sql"), "create table if not exists things (id serial primary key, name text not null);");
  return dir;
}

export async function kitApp(db: Database, migrationsDir: string, logger?: Logger): Promise<FastifyInstance> {
  return createServiceApp({ name: "kit-test", version: "1.2.3", config: testConfig(), db, migrationsDir, logger });
}

export function json(response: { body: string }): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}
