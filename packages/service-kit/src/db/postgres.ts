import pg from "pg";
import type { Database, QueryResult } from "./database.js";
import { DatabaseError } from "./database.js";
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

// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function openPostgres(url: string, max: number): Promise<Database> {
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
  return {
    kind: "postgres",
    async query<T>(sql: string, params?: readonly unknown[]) {
      return toResult<T>(await pool.query(sql, params as unknown[] | undefined));
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const value = await fn({
          query: async <T>(sql: string, params?: readonly unknown[]) =>
            toResult<T>(await client.query(sql, params as unknown[] | undefined)),
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
        await client.query("commit");
        return value;
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      } finally {
        client.release();
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
