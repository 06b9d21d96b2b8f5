import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Database, Queryable } from "./database.js";
import { golangMigrateLockId } from "./migration-lock.js";
import { parseMigrationName } from "./migration-names.js";

/** One migration in golang-migrate's format: `NNNN_name.up.sql` (+ optional `.down.sql`). */
export interface MigrationFile {
  version: number;
  name: string;
  up: string;
}

export interface MigrationStatus {
  /** Version recorded in the table; null when nothing was ever applied. */
  current: number | null;
  /** Highest version among the files. */
  latest: number;
  dirty: boolean;
  /** Versions on disk newer than `current`. */
  pending: number[];
}

export interface MigrateOptions {
  /** golang-migrate's `x-migrations-table`; default `schema_migrations`. */
  table?: string;
  /** Where to say what was not done (a database ahead of the files); default: a line on stderr. */
  log?: (line: string) => void;
}

export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The database records a migration that failed half-way; a person must repair it. */
export class DirtyMigrationError extends MigrationError {
  override name = "DirtyMigrationError";
  constructor(readonly table: string, readonly version: number) {
    super(
      `database is dirty at version ${version} (table ${table}): a migration failed half-way; ` +
        `repair the schema by hand, then run \`migrate force ${version}\` (or fix the row in ${table})`,
    );
  }
}

const TABLE_PATTERN = /^[a-z_][a-z0-9_]*$/;

/**
 * Reads the `.up.sql` files of `dir`, ordered by version. A name golang-migrate
 * would read but this migrator would not (`0002_add index.up.sql`, `.up.psql`)
 * throws rather than being skipped: the Job and the service would disagree.
 */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new MigrationError(`cannot read migrations folder ${dir}`, { cause: error });
  }
  const files = new Map<number, MigrationFile>();
  for (const fileName of names) {
    const parsed = parseMigrationName(fileName);
    if (parsed.kind === "refused") throw new MigrationError(`${parsed.reason} (in ${dir})`);
    if (parsed.kind !== "migration" || parsed.direction !== "up") continue;
    const { version, name } = parsed;
    if (files.has(version)) throw new MigrationError(`two migrations with version ${version} in ${dir}`);
    files.set(version, { version, name, up: await readFile(join(dir, fileName), "utf8") });
  }
  return [...files.values()].sort((a, b) => a.version - b.version);
}

function checkTable(table: string): string {
  if (!TABLE_PATTERN.test(table)) throw new MigrationError(`invalid migrations table name "${table}"`);
  return table;
}

/** Whether `table` exists where unqualified names resolve (the search path, as every query here names it). */
async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>("select to_regclass($1) is not null as present", [table]);
  return rows[0]?.present === true;
}

/**
 * Creates the version table only when it is missing. `create table if not
 * exists` alone needs CREATE on the schema even when the table is there, which
 * a least-privilege runtime role (USAGE and DML only) does not have;
 * golang-migrate's postgres driver (v4.18.3, ensureVersionTable) checks first
 * for the same reason.
 */
async function ensureTable(db: Queryable, table: string): Promise<void> {
  if (await tableExists(db, table)) return;
  await db.query(`create table if not exists ${table} (version bigint not null primary key, dirty boolean not null)`);
}

async function readState(db: Queryable, table: string): Promise<{ version: number | null; dirty: boolean }> {
  const { rows } = await db.query<{ version: number; dirty: boolean }>(`select version, dirty from ${table} limit 1`);
  const row = rows[0];
  return row === undefined ? { version: null, dirty: false } : { version: Number(row.version), dirty: row.dirty };
}

/**
 * golang-migrate's own advisory lock id for `table`, so the db-migrate Job and
 * booting replicas migrate one at a time. Its DatabaseName is the URL's path;
 * we assume the URL names the database (`/<current_database()>`), as
 * DATABASE_URL does everywhere here.
 */
async function lockId(db: Queryable, table: string): Promise<string> {
  const { rows } = await db.query<{ database: string; schema: string }>("select current_database() as database, current_schema() as schema");
  const row = rows[0];
  if (row === undefined) throw new MigrationError("cannot read current_database() and current_schema()");
  return golangMigrateLockId(`/${row.database}`, row.schema, table);
}

const stderrLine = (line: string) => {
  process.stderr.write(`${line}\n`);
};

/**
 * Applies the pending up migrations of `dir` in order. Each runs in its own
 * transaction together with the version update, so a failing migration leaves
 * the previous version recorded, clean. A dirty row (left by the `migrate`
 * CLI) throws `DirtyMigrationError`. A database ahead of the files (an older
 * release rolled back to) is nothing to do, logged. Returns the versions applied.
 *
 * Every transaction first takes golang-migrate's advisory lock id as a
 * transaction lock: it conflicts with the session lock the `migrate` CLI holds
 * for its whole run, and is released exactly when the step commits.
 */
export async function migrate(db: Database, dir: string, options: MigrateOptions = {}): Promise<number[]> {
  const table = checkTable(options.table ?? "schema_migrations");
  const files = await readMigrations(dir);
  const latest = files.at(-1)?.version ?? 0;
  const key = await lockId(db, table);
  let ahead: number | undefined;
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [key]);
    await ensureTable(tx, table);
  });
  const applied: number[] = [];
  for (;;) {
    const next = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [key]);
      const state = await readState(tx, table);
      if (state.dirty && state.version !== null) throw new DirtyMigrationError(table, state.version);
      const file = files.find((f) => state.version === null || f.version > state.version);
      if (file === undefined) {
        if (state.version !== null && state.version > latest) ahead = state.version;
        return undefined;
      }
      try {
        await tx.exec(file.up);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        // 42501 insufficient_privilege: a least-privilege runtime role; the db-migrate Job's role applies migrations.
        const hint = (error as { code?: unknown }).code === "42501" ? " (this role may not change the schema: the db-migrate Job, whose role owns it, applies migrations before the pods start)" : "";
        throw new MigrationError(`migration ${file.version}_${file.name} failed: ${reason}${hint}`, { cause: error });
      }
      await tx.query(`delete from ${table}`);
      await tx.query(`insert into ${table} (version, dirty) values ($1, false)`, [file.version]);
      return file.version;
    });
    if (next === undefined) {
      if (ahead !== undefined) {
        (options.log ?? stderrLine)(
          `migrations (table ${table}): the database is at version ${ahead}, ahead of these migrations (latest ${latest}): nothing to do`,
        );
      }
      return applied;
    }
    applied.push(next);
  }
}

/** Where the database stands against the files of `dir`. A missing table counts as nothing applied. */
export async function migrationStatus(db: Queryable, dir: string, options: MigrateOptions = {}): Promise<MigrationStatus> {
  const table = checkTable(options.table ?? "schema_migrations");
  const files = await readMigrations(dir);
  const state = (await tableExists(db, table)) ? await readState(db, table) : { version: null, dirty: false };
  const latest = files.at(-1)?.version ?? 0;
  const pending = files.filter((f) => state.version === null || f.version > state.version).map((f) => f.version);
  return { current: state.version, latest, dirty: state.dirty, pending };
}
