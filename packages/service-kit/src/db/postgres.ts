import { createHash } from "node:crypto";
import pg from "pg";
import type { Database, QueryResult } from "./database.js";
import { DatabaseError, ROLLED_BACK } from "./database.js";
import { pgConnection } from "./tls.js";

const INT8_OID = 20;

/** int8 as a JS number, like PGlite does, so both back-ends return the same rows. */
function parseInt8(value: string): number | bigint {
  const big = BigInt(value);
  return big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER) ? big : Number(big);
}

const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? parseInt8 : (pg.types.getTypeParser(oid, format ?? "text") as unknown)) as typeof pg.types.getTypeParser,
};

function toResult<T>(result: pg.QueryResult): QueryResult<T> {
  return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
}

/** Distinct statements one connection prepares at most; later ones run unnamed, so dynamic SQL cannot grow a session without bound. */
const MAX_PREPARED_PER_CONNECTION = 500;

/** The statement names each connection has prepared; the pool reuses its client objects. */
const preparedNames = new WeakMap<pg.PoolClient, Set<string>>();

/** Names by SQL text, so a hot statement is hashed once per process, not once per call; bounded like the connections' sets. */
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `bh_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    if (statementNames.size < MAX_PREPARED_PER_CONNECTION) statementNames.set(sql, name);
  }
  return name;
}

/**
 * Sends a statement with parameters as a named one, so node-postgres parses it once per connection
 * and later only binds and executes it (postgres.js `prepare: true`, pgx QueryExecModeCacheStatement).
 * Statements without parameters (BEGIN, scripts of several statements) go as they are.
 */
function send(client: pg.PoolClient, sql: string, params: readonly unknown[] | undefined, prepare: boolean): Promise<pg.QueryResult> {
  if (!prepare || params === undefined || params.length === 0) return client.query(sql, params as unknown[] | undefined);
  let names = preparedNames.get(client);
  if (names === undefined) {
    names = new Set();
    preparedNames.set(client, names);
  }
  const name = statementName(sql);
  if (!names.has(name)) {
    if (names.size >= MAX_PREPARED_PER_CONNECTION) return client.query(sql, params as unknown[]);
    names.add(name);
  }
  return client.query({ name, text: sql, values: params as unknown[] });
}

/**
 * A prepared statement whose result columns changed since it was prepared (`select *` after ADD COLUMN).
 * PostgreSQL raises it at Bind, before the statement runs (src/backend/utils/cache/plancache.c, RevalidateCachedQuery).
 */
function isStalePlan(error: unknown): boolean {
  return (
    error instanceof pg.DatabaseError &&
    error.code === "0A000" &&
    (error.routine === "RevalidateCachedQuery" || error.message === "cached plan must not change result type")
  );
}

/**
 * An ERROR for one statement leaves the connection (and what it prepared) usable; FATAL ends it.
 * A server with non-English messages sends another word: those connections are closed, as `pool.query` does.
 */
function keepsConnection(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.severity === "ERROR" && !isStalePlan(error);
}

// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function openPostgres(url: string, options: { max: number; prepare: boolean }): Promise<Database> {
  const { max, prepare } = options;
  // TLS as lib/pq (the db-migrate Job's driver) reads the same URL: explicit `ssl`, never pg-connection-string's meaning of sslmode.
  const { connectionString, ssl } = pgConnection(url);
  const pool = new pg.Pool({ connectionString, ssl, max, types, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end();
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(`cannot connect to DATABASE_URL (${redactUrl(url)}): ${reason}`, { cause: error });
  }

  /** A client of the pool; `release(discard)` returns it, or closes it when discarded or its connection was lost. */
  async function checkOut(): Promise<{ client: pg.PoolClient; release: (discard: boolean) => void }> {
    const client = await pool.connect();
    // The running statement is rejected too; without a listener the client's 'error' event would be an uncaught exception.
    let lost = false;
    const onError = () => {
      lost = true;
    };
    client.on("error", onError);
    return {
      client,
      release(discard) {
        client.removeListener("error", onError);
        client.release(discard || lost);
      },
    };
  }

  return {
    kind: "postgres",
    async query<T>(sql: string, params?: readonly unknown[]) {
      const { client, release } = await checkOut();
      let result: pg.QueryResult;
      try {
        result = await send(client, sql, params, prepare);
      } catch (error) {
        release(!keepsConnection(error));
        if (!isStalePlan(error)) throw error;
        // Raised before the statement ran, so running it again is safe. Unnamed, because other idle
        // connections may hold the same stale statement; each is discarded when it next fails.
        return toResult<T>(await pool.query(sql, params as unknown[] | undefined));
      }
      release(false);
      return toResult<T>(result);
    },
    async transaction(fn) {
      const { client, release } = await checkOut();
      let discard = false;
      try {
        await client.query("begin");
        const value = await fn({
          query: async <T>(sql: string, params?: readonly unknown[]) => {
            try {
              return toResult<T>(await send(client, sql, params, prepare));
            } catch (error) {
              // The transaction is aborted, so no retry here: the error reaches the caller, the rollback
              // below ends the transaction, and the connection goes with its stale statements.
              if (isStalePlan(error)) discard = true;
              throw error;
            }
          },
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
        // COMMIT of a transaction a failed statement aborted (its error caught by the callback) answers ROLLBACK, not an error.
        const ended = await client.query("commit");
        if (ended.command !== "COMMIT") throw new DatabaseError(ROLLED_BACK);
        return value;
      } catch (error) {
        await client.query("rollback").catch(() => {
          discard = true;
        });
        throw error;
      } finally {
        release(discard);
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async ping() {
      await pool.query("select 1");
    },
    async close() {
      await pool.end();
    },
  };
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
