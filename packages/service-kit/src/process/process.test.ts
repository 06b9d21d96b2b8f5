import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { thingsMigrations } from "../../test/helpers.js";
import { ConfigError } from "../config/config.js";
import { DirtyMigrationError } from "../db/migrations.js";
import { openDatabase } from "../db/database.js";
import { createScratchDatabase } from "../testing/databases.js";
import { createServiceApp } from "../http/app.js";
import { runMain } from "./run-main.js";
import { bootService } from "./service.js";
import type { RunningService } from "./service.js";

// A fresh on-disk PGlite runs initdb: seconds on an idle machine, much longer on a busy one.
describe("bootService", () => {
  it("opens the embedded database in DATA_DIR, migrates, listens, and closes everything", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "bh-boot-"));
    const migrationsDir = await thingsMigrations();
    const running = await bootService({
      name: "boot-test",
      migrationsDir,
      options: { env: { DATA_DIR: dataDir, LOG_LEVEL: "silent", PORT: "0", HOST: "127.0.0.1" } },
      build: ({ config, db }) => createServiceApp({ name: "boot-test", version: "0", config, db, migrationsDir }),
    });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    await running.close();
    await running.close();
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
    const reopened = await openDatabase({ dataDir });
    expect((await reopened.query("select version, dirty from schema_migrations")).rows).toEqual([{ version: 1, dirty: false }]);
    await reopened.close();
  }, 180_000);

  it("stops on a bad variable before opening anything", async () => {
    await expect(
      bootService({ name: "x", migrationsDir: "/nowhere", options: { env: { PORT: "99999" } }, build: () => Promise.reject(new Error("unreachable")) }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it("stops on a dirty database and closes it again", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "bh-dirty-"));
    const migrationsDir = await mkdtemp(join(tmpdir(), "bh-dirty-m-"));
    await writeFile(join(migrationsDir, "0001_a.up.sql"), "select 1;");
    const db = await openDatabase({ dataDir });
    await db.exec("create table schema_migrations (version bigint not null primary key, dirty boolean not null); insert into schema_migrations values (1, true);");
    await db.close();
    const error = await bootService({
      name: "dirty",
      migrationsDir,
      options: { env: { DATA_DIR: dataDir, LOG_LEVEL: "silent" } },
      build: () => Promise.reject(new Error("unreachable")),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirtyMigrationError);
    const again = await openDatabase({ dataDir }); // the failed start released the directory
    await again.close();
  }, 180_000);
});

const serverUrl = process.env.TEST_DATABASE_URL;
describe.skipIf(!serverUrl)("bootService on PostgreSQL (needs TEST_DATABASE_URL)", () => {
  // Whether the connection that ran a statement with a parameter holds it prepared.
  async function preparedWith(env: Record<string, string>): Promise<number> {
    const scratch = await createScratchDatabase(serverUrl!, "bh_boot");
    try {
      let prepared = -1;
      const running = await bootService({
        name: "boot-prepare",
        migrationsDir: await thingsMigrations(),
        options: { env: { DATABASE_URL: scratch.url, LOG_LEVEL: "silent", PORT: "0", HOST: "127.0.0.1", ...env } },
        build: async ({ config, db }) => {
          prepared = await db.transaction(async (tx) => {
            await tx.query("select $1::int as one", [1]);
            return (await tx.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where statement = 'select $1::int as one'")).rows[0].n;
          });
          return createServiceApp({ name: "boot-prepare", version: "0", config, db });
        },
      });
      await running.close();
      return prepared;
    } finally {
      await scratch.drop();
    }
  }

  it("prepares statements by default and not with DATABASE_PREPARE=false (PgBouncer in transaction mode before 1.21)", async () => {
    expect(await preparedWith({})).toBe(1);
    expect(await preparedWith({ DATABASE_PREPARE: "false" })).toBe(0);
  }, 60_000);
});

describe("runMain", () => {
  function harness() {
    const lines: string[] = [];
    const exits: number[] = [];
    return { lines, exits, options: { env: { SHUTDOWN_TIMEOUT_MS: "200" }, print: (l: string) => lines.push(l), exit: (c: number) => exits.push(c) } };
  }

  it("prints one line and exits 1 when start-up fails", async () => {
    const h = harness();
    await runMain(() => Promise.reject(new ConfigError("invalid configuration: PORT: too big", ["PORT"])), h.options);
    expect(h.lines).toEqual(["start-up failed: invalid configuration: PORT: too big"]);
    expect(h.exits).toEqual([1]);
  });

  it("closes on SIGTERM and exits 0; exits 1 when closing takes too long", async () => {
    const h = harness();
    let closed = false;
    const service: RunningService = { name: "svc", url: "http://x", close: () => Promise.resolve(void (closed = true)) };
    await runMain(() => Promise.resolve(service), h.options);
    process.emit("SIGTERM", "SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(true);
    expect(h.exits).toEqual([0]);
    process.removeAllListeners("SIGTERM");
    process.removeAllListeners("SIGINT");

    const slow = harness();
    await runMain(() => Promise.resolve({ ...service, close: () => new Promise<void>(() => undefined) }), slow.options);
    process.emit("SIGINT", "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(slow.exits).toEqual([1]);
    expect(slow.lines[0]).toContain("did not stop within 200 ms");
    process.removeAllListeners("SIGTERM");
    process.removeAllListeners("SIGINT");
  });
});
