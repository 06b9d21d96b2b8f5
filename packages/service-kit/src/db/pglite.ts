import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { Database, QueryResult, Transaction } from "./database.js";
import { DatabaseError, ROLLED_BACK } from "./database.js";

interface PgliteResult {
  rows: unknown[];
  affectedRows?: number;
}

function toResult<T>(result: PgliteResult): QueryResult<T> {
  return { rows: result.rows as T[], rowCount: result.affectedRows || result.rows.length };
}

/** Embedded PostgreSQL (WASM): in `dataDir`, or in memory when it is undefined. */
// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  return {
    kind: "pglite",
    async query<T>(sql: string, params?: readonly unknown[]) {
      return toResult<T>(await db.query(sql, params as unknown[] | undefined));
    },
    async transaction(fn) {
      // PGlite has one connection; its transaction() holds it for the whole callback.
      return db.transaction(async (tx) => {
        let failed = false;
        const failing = <R>(run: Promise<R>): Promise<R> =>
          run.catch((error: unknown) => {
            failed = true;
            throw error;
          });
        const queryable: Transaction = {
          query: async <T>(sql: string, params?: readonly unknown[]) => toResult<T>(await failing(tx.query(sql, params as unknown[] | undefined))),
          exec: async (sql: string) => {
            await failing(tx.exec(sql));
          },
        };
        const value = await fn(queryable);
        // PGlite's transaction() resolves although a failed statement aborted the transaction (PostgreSQL's COMMIT
        // answers ROLLBACK then: postgres.ts). An aborted transaction refuses every statement, so ask it.
        if (failed && (await tx.query("select 1").then(() => false, () => true))) throw new DatabaseError(ROLLED_BACK);
        return value;
      });
    },
    async exec(sql) {
      await db.exec(sql);
    },
    async ping() {
      await db.query("select 1");
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
