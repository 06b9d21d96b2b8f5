import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";

/** One database a test suite runs against. */
export interface TestDatabase {
  kind: "pglite" | "postgres";
  /** A fresh, empty database; its `close()` also removes it. */
  open: () => Promise<Database>;
}

/** One client connection to `url` for `fn`, closed afterwards. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh uniquely named database on the server of `serverUrl` (others' tests run concurrently): its URL, and `drop`. */
export async function createScratchDatabase(serverUrl: string, prefix = "bh_test"): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await withClient(serverUrl, (client) => client.query(`create database ${name}`));
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    drop: async () => {
      await withClient(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** A fresh database on the server of `url`, dropped on close. */
async function openTemporaryPostgres(url: string): Promise<Database> {
  const scratch = await createScratchDatabase(url);
  const db = await openDatabase({ url: scratch.url, poolMax: 20 });
  return {
    ...db,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}

/**
 * PGlite in memory always; real PostgreSQL too when TEST_DATABASE_URL is set.
 * `describe.each(testDatabases())("... on $kind", ({ open }) => ...)`.
 */
export function testDatabases(env: NodeJS.ProcessEnv = process.env): TestDatabase[] {
  const targets: TestDatabase[] = [{ kind: "pglite", open: () => openDatabase({ memory: true }) }];
  const url = env.TEST_DATABASE_URL;
  if (url !== undefined && url !== "") targets.push({ kind: "postgres", open: () => openTemporaryPostgres(url) });
  return targets;
}
