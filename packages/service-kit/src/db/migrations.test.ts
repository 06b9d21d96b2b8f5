import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../testing/databases.js";
import type { Database } from "./database.js";
import { openDatabase } from "./database.js";
import { golangMigrateLockId } from "./migration-lock.js";
import { DirtyMigrationError, migrate, MigrationError, migrationStatus, readMigrations } from "./migrations.js";
import { migrateService, serviceMigrationsApplied } from "./service-migrations.js";

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bh-migrations-"));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

describe("readMigrations", () => {
  it("orders up files by version and ignores down files and strangers", async () => {
    const dir = await folder({
      "0010_b.up.sql": "select 10",
      "0002_a.up.sql": "select 2",
      "0002_a.down.sql": "select -2",
      "README.md": "notes",
    });
    expect((await readMigrations(dir)).map((m) => [m.version, m.name])).toEqual([[2, "a"], [10, "b"]]);
  });

  it("refuses two files with one version, and a missing folder", async () => {
    await expect(readMigrations(await folder({ "1_a.up.sql": "", "0001_b.up.sql": "" }))).rejects.toThrow("two migrations with version 1");
    await expect(readMigrations("/nonexistent/migrations")).rejects.toBeInstanceOf(MigrationError);
  });

  it.each(["0002_add index.up.sql", "0002_b.up.psql", "0002_b.up.sql.orig", "0002_b.down.SQL", "0002_a.b.up.sql"])(
    "refuses %s, which golang-migrate would read, instead of skipping it",
    async (name) => {
      const dir = await folder({ "0001_a.up.sql": "select 1", [name]: "select 2" });
      const error = await readMigrations(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toContain(`"${name}"`);
    },
  );
});

/** golang-migrate v4.18.3 database/util.go GenerateAdvisoryLockId, redone here with BigInt: crc32(additional names, then the database name, joined by NUL) * salt, mod 2^32. */
function upstreamLockId(databaseName: string, ...additionalNames: string[]): bigint {
  const joined = [...additionalNames, databaseName].join("\x00");
  return (BigInt(crc32(Buffer.from(joined, "utf8"))) * 1486364155n) % 2n ** 32n;
}

describe("golangMigrateLockId", () => {
  it.each([
    ["/payments", "public", "schema_migrations"],
    ["/payments", "public", "kit_schema_migrations"],
    ["/bh_test_x", "public", "schema_migrations"],
    ["campaigns", "app", "schema_migrations"],
  ])("is golang-migrate's id for database %s, schema %s, table %s", (database, schema, table) => {
    expect(BigInt(golangMigrateLockId(database, schema, table))).toBe(upstreamLockId(database, schema, table));
  });

  it("matches a value computed outside Node (Python: zlib.crc32(b'public\\0schema_migrations\\0/payments') * salt % 2**32)", () => {
    expect(golangMigrateLockId("/payments", "public", "schema_migrations")).toBe("3584639330");
  });
});

describe.each(testDatabases())("migrate on $kind", ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());

  it("applies pending migrations in order and keeps golang-migrate's one-row table", async () => {
    const dir = await folder({
      "0001_people.up.sql": "create table people (id int primary key); insert into people values (1);",
      "0002_names.up.sql": "alter table people add column name text;",
    });
    expect(await migrationStatus(db, dir)).toEqual({ current: null, latest: 2, dirty: false, pending: [1, 2] });
    expect(await migrate(db, dir)).toEqual([1, 2]);
    expect(await migrate(db, dir)).toEqual([]);
    const { rows } = await db.query("select version, dirty from schema_migrations");
    expect(rows).toEqual([{ version: 2, dirty: false }]);
    const columns = await db.query<{ column_name: string; data_type: string; is_nullable: string }>(
      "select column_name, data_type, is_nullable from information_schema.columns where table_name = 'schema_migrations' order by ordinal_position",
    );
    expect(columns.rows).toEqual([
      { column_name: "version", data_type: "bigint", is_nullable: "NO" },
      { column_name: "dirty", data_type: "boolean", is_nullable: "NO" },
    ]);
    expect(await migrationStatus(db, dir)).toEqual({ current: 2, latest: 2, dirty: false, pending: [] });
  });

  it("leaves the previous version recorded and clean when a migration fails", async () => {
    const dir = await folder({
      "0001_ok.up.sql": "create table fine (id int);",
      "0002_broken.up.sql": "create table half (id int); select no_such_function();",
    });
    const error = await migrate(db, dir, { table: "broken_migrations" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain("migration 2_broken failed");
    expect(await migrationStatus(db, dir, { table: "broken_migrations" })).toMatchObject({ current: 1, dirty: false, pending: [2] });
    const half = await db.query("select to_regclass('half') is not null as present");
    expect(half.rows[0]).toEqual({ present: false });
  });

  it("stops on a dirty database with a message that says what to do", async () => {
    const dir = await folder({ "0001_x.up.sql": "select 1;", "0002_y.up.sql": "select 2;" });
    await db.exec("create table dirty_migrations (version bigint not null primary key, dirty boolean not null); insert into dirty_migrations values (1, true);");
    const error = await migrate(db, dir, { table: "dirty_migrations" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirtyMigrationError);
    expect((error as Error).message).toMatch(/dirty at version 1.*migrate force 1/);
    expect(await migrationStatus(db, dir, { table: "dirty_migrations" })).toMatchObject({ current: 1, dirty: true });
  });

  it("says so and does nothing when the database is ahead of the files (a rollback to an older release)", async () => {
    const dir = await folder({ "0001_x.up.sql": "create table never_here (id int);", "0002_y.up.sql": "select 2;" });
    await db.exec("create table ahead_migrations (version bigint not null primary key, dirty boolean not null); insert into ahead_migrations values (5, false);");
    const lines: string[] = [];
    expect(await migrate(db, dir, { table: "ahead_migrations", log: (line) => lines.push(line) })).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/at version 5\b.*ahead.*latest 2\b.*nothing to do/)]);
    expect(await migrationStatus(db, dir, { table: "ahead_migrations" })).toMatchObject({ current: 5, dirty: false, pending: [] });
    const untouched = await db.query("select to_regclass('never_here') is not null as present");
    expect(untouched.rows[0]).toEqual({ present: false });
  });

  it("refuses table names that are not plain identifiers", async () => {
    await expect(migrate(db, await folder({}), { table: "x; drop table people" })).rejects.toThrow("invalid migrations table name");
  });

  it("applies the kit's migrations to kit_schema_migrations and the service's to schema_migrations", async () => {
    const dir = await folder({ "0001_svc.up.sql": "create table svc (id int);" });
    expect(await serviceMigrationsApplied(db, dir)).toBe(false);
    await db.exec("drop table schema_migrations");
    await migrateService(db, dir);
    expect(await serviceMigrationsApplied(db, dir)).toBe(true);
    const kit = await db.query<{ version: number }>("select version from kit_schema_migrations");
    expect(kit.rows[0]?.version).toBeGreaterThanOrEqual(1);
    const own = await db.query("select version, dirty from schema_migrations");
    expect(own.rows).toEqual([{ version: 1, dirty: false }]);
    const idempotency = await db.query("select to_regclass('idempotency_keys') is not null as present");
    expect(idempotency.rows[0]).toEqual({ present: true });
  });
});

/** The `migrate` CLI's connection: its own session, holding golang-migrate's advisory lock as the Job does. */
async function asGolangMigrate(db: Database, table: string): Promise<{ client: pg.Client; id: string }> {
  const { rows } = await db.query<{ database: string; schema: string }>("select current_database() as database, current_schema() as schema");
  const { database, schema } = rows[0] ?? { database: "", schema: "" };
  const url = new URL(process.env.TEST_DATABASE_URL ?? "");
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  // golang-migrate's postgres driver takes DatabaseName from the URL path, leading slash included.
  return { client, id: upstreamLockId(url.pathname, schema, table).toString() };
}

const settled = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true, () => true), new Promise<boolean>((done) => setTimeout(() => done(false), ms))]);

describe.each(testDatabases().filter((t) => t.kind === "postgres"))("migrate and golang-migrate on $kind", ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());

  it("waits while golang-migrate holds its lock", async () => {
    const { client, id } = await asGolangMigrate(db, "job_first_migrations");
    try {
      await client.query("select pg_advisory_lock($1)", [id]);
      const run = migrate(db, await folder({ "0001_a.up.sql": "create table job_first (id int);" }), { table: "job_first_migrations" });
      expect(await settled(run, 500)).toBe(false);
      await client.query("select pg_advisory_unlock($1)", [id]);
      expect(await run).toEqual([1]);
    } finally {
      await client.end();
    }
  });

  it("holds golang-migrate's lock while it migrates, and releases it", async () => {
    const { client, id } = await asGolangMigrate(db, "pod_first_migrations");
    try {
      const run = migrate(db, await folder({ "0001_slow.up.sql": "select pg_sleep(1.5);" }), { table: "pod_first_migrations" });
      await new Promise((done) => setTimeout(done, 500));
      const during = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [id]);
      expect(during.rows[0]?.locked).toBe(false);
      expect(await run).toEqual([1]);
      const after = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [id]);
      expect(after.rows[0]?.locked).toBe(true);
    } finally {
      await client.end();
    }
  });
});

// Issue 12, 4f: the runtime role of a least-privilege setup has USAGE and DML on an
// already-migrated schema, never CREATE (the migration Job's role owns the tables).
// golang-migrate v4.18.3 database/postgres/postgres.go ensureVersionTable checks
// information_schema.tables first for the same reason ("allows read only postgres
// users to also check the current version"); CREATE TABLE IF NOT EXISTS is refused
// without CREATE on the schema even when the table exists.
describe.each(testDatabases().filter((t) => t.kind === "postgres"))("migrate as a runtime role without CREATE on $kind", ({ open }) => {
  let owner: Database;
  let runtime: Database;
  const role = `bh_runtime_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const serviceDir = folder({ "0001_things.up.sql": "create table things (id int primary key, name text);" });

  beforeAll(async () => {
    owner = await open();
    await migrateService(owner, await serviceDir);
    const { rows } = await owner.query<{ database: string }>("select current_database() as database");
    const database = rows[0]?.database ?? "";
    await owner.exec(`
      create role ${role} login;
      revoke create on schema public from public;
      grant connect on database ${database} to ${role};
      grant usage on schema public to ${role};
      grant select, insert, update, delete on all tables in schema public to ${role};
    `);
    const url = new URL(process.env.TEST_DATABASE_URL ?? "");
    url.username = role;
    url.password = "";
    url.pathname = `/${database}`;
    runtime = await openDatabase({ url: url.toString(), poolMax: 2 });
  });
  afterAll(async () => {
    await runtime.close();
    await owner.close();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`).finally(() => admin.end());
  });

  it("the role really lacks CREATE on the schema (the setup this test is about)", async () => {
    const { rows } = await runtime.query<{ can: boolean }>("select has_schema_privilege('public', 'CREATE') as can");
    expect(rows[0]?.can).toBe(false);
    await expect(runtime.exec("create table not_allowed (id int)")).rejects.toThrow(/permission denied for schema public/);
  });

  it("starts: nothing pending is nothing to do, and status and readiness read the tables", async () => {
    await expect(migrateService(runtime, await serviceDir)).resolves.toBeUndefined();
    expect(await serviceMigrationsApplied(runtime, await serviceDir)).toBe(true);
    await runtime.query("insert into things (id, name) values (1, 'a')");
    expect((await runtime.query("select name from things")).rows).toEqual([{ name: "a" }]);
  });

  it("with a migration pending, fails naming the migration and the missing privilege (the Job's role applies it)", async () => {
    const newer = await folder({
      "0001_things.up.sql": "create table things (id int primary key, name text);",
      "0002_more.up.sql": "create table more_things (id int);",
    });
    const error = await migrate(runtime, newer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/migration 2_more failed: permission denied for schema public.*the db-migrate Job/);
  });
});
