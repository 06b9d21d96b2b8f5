import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { migrateService } from "../db/service-migrations.js";

/** `db`, except that what `hang` names never answers (a database stuck behind a dead network path or a lock). */
function hanging(db: Database, hang: "ping" | "queries"): Database {
  const never = () => new Promise<never>(() => undefined);
  return {
    kind: db.kind,
    ping: () => (hang === "ping" ? never() : db.ping()),
    query: (sql, params) => (hang === "queries" ? never() : db.query(sql, params)),
    transaction: (fn) => db.transaction(fn),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}

describe("GET /readyz says what is not ready", () => {
  let db: Database;
  let migrationsDir: string;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    migrationsDir = await thingsMigrations();
    await migrateService(db, migrationsDir);
  });
  afterAll(async () => db.close());

  async function readyz(database: Database, dir = migrationsDir) {
    const app = await kitApp(database, dir);
    try {
      const response = await app.inject("/readyz");
      return { status: response.statusCode, type: response.headers["content-type"], body: json(response) };
    } finally {
      await app.close();
    }
  }

  it("is ready when the database answers and every migration is applied", async () => {
    expect(await readyz(db)).toMatchObject({ status: 200, body: { status: "ready" } });
  });

  it.each(["ping", "queries"] as const)("a database that never answers its %s: timed out after 2000 ms, not 'migrations are not applied'", async (hang) => {
    const result = await readyz(hanging(db, hang));
    expect(result.status).toBe(503);
    expect(result.type).toContain("application/problem+json");
    expect(result.body).toMatchObject({ code: "BH_NOT_READY", detail: "the database did not answer within 2000 ms" });
    expect(String(result.body.detail)).not.toContain("migrations");
  });

  it("names the pending migrations", async () => {
    const dir = await thingsMigrations();
    await writeFile(join(dir, "0002_more.up.sql"), "create table more_things (id int);");
    await writeFile(join(dir, "0003_most.up.sql"), "create table most_things (id int);");
    expect(await readyz(db, dir)).toMatchObject({
      status: 503,
      body: { code: "BH_NOT_READY", detail: "database migrations are not applied: 2, 3 pending (schema_migrations)" },
    });
  });

  it("names the version a dirty database is stuck at", async () => {
    const dirty = await openDatabase({ memory: true });
    await migrateService(dirty, migrationsDir);
    await dirty.query("update schema_migrations set dirty = true");
    try {
      expect(await readyz(dirty)).toMatchObject({
        status: 503,
        body: { code: "BH_NOT_READY", detail: "the database is dirty at version 1 (schema_migrations): a migration failed half-way; repair it by hand, then `migrate force 1`" },
      });
    } finally {
      await dirty.close();
    }
  });
});
