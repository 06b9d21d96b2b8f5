/** The result of one statement: rows (typed by the caller) and how many rows it touched or returned. */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** What query functions take: the database itself or a transaction. `$1`-style parameters. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

/** A transaction: queries plus multi-statement scripts, all committed or rolled back together. */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
}

/** A PostgreSQL database: a `pg` pool or embedded PGlite, with one SQL dialect. */
export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in a transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (no parameters), e.g. a migration file. */
  exec(sql: string): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL: use a `pg` pool. */
  url?: string | undefined;
  /** Where embedded PGlite keeps its files (created if missing). */
  dataDir?: string | undefined;
  /** Embedded PGlite in memory (tests). */
  memory?: boolean | undefined;
  /** Size of the `pg` pool. */
  poolMax?: number | undefined;
  /**
   * `pg` only, default true: statements with parameters are prepared once per connection and then only
   * bound and executed. False for PgBouncer in transaction mode before 1.21, which cannot carry them.
   */
  prepare?: boolean | undefined;
}

/**
 * Why `transaction()` rejects although its callback resolved: a statement in it failed (the callback caught the
 * error), so PostgreSQL rolled the whole transaction back (src/backend/tcop/utility.c answers the COMMIT with the
 * ROLLBACK tag when src/backend/access/transam/xact.c's EndTransactionBlock finds the block aborted).
 */
export const ROLLED_BACK = "the transaction was rolled back: a statement in it failed (its error was caught inside the transaction)";

export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `pg` pool when `url` is given, else PGlite in `dataDir` or in memory. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url !== undefined) {
    const { openPostgres } = await import("./postgres.js");
    return openPostgres(options.url, { max: options.poolMax ?? 10, prepare: options.prepare ?? true });
  }
  if (options.memory !== true && options.dataDir === undefined) {
    throw new DatabaseError("openDatabase needs a url, a dataDir or memory: true");
  }
  const { openPglite } = await import("./pglite.js");
  return openPglite(options.memory === true ? undefined : options.dataDir);
}
