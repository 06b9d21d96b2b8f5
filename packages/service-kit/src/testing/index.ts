import { signToken } from "../auth/tokens.js";
import type { AuthUser } from "../auth/tokens.js";
import type { BaseConfig } from "../config/config.js";
import type { Database } from "../db/database.js";
import { baseConfigSchema, loadConfig } from "../config/config.js";

export { createScratchDatabase, testDatabases, withClient } from "./databases.js";
export { commandLine } from "./command-line.js";
export { freePort } from "./ports.js";
export type { TestDatabase } from "./databases.js";
export { answerViolation } from "./fuzz/check-answer.js";
export type { Answer } from "./fuzz/check-answer.js";
export { DEFAULT_FUZZ_SEED, describeFailures, fuzzOpenApi, fuzzSettings } from "./fuzz/run.js";
export type { FuzzFailure, FuzzOptions, FuzzReport, FuzzSettings } from "./fuzz/run.js";
export type { FuzzRequest } from "./fuzz/requests.js";
export type { JsonSchema } from "./fuzz/schema-arbitrary.js";
export { flag, flagsDir, flagsDocument, recordingLogger } from "../flags/test-support.js";

/** The JWT secret of `testConfig()`. */
export const TEST_JWT_SECRET = "blessed-horizon-test-secret-0123456789abcdef";

/** A valid configuration for tests: silent logs, the test secret, an in-memory data dir. */
export function testConfig(overrides: Record<string, string> = {}): BaseConfig {
  return loadConfig(baseConfigSchema, { NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: ":memory:", ...overrides });
}

/** `{ authorization: "Bearer <token>" }` for `inject({ headers })`. */
export async function bearer(user: AuthUser, secret: string = TEST_JWT_SECRET, ttl: string | number = "1h") {
  return { authorization: `Bearer ${await signToken(user, secret, ttl)}` };
}

/**
 * The database with every statement it runs recorded, refusing transactions:
 * for tests that some work takes one statement and no transaction (`why` says
 * which work, and is the error a transaction gets).
 */
export function countingStatements(db: Database, why: string): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const counted: Database = {
    ...db,
    query: (sql, params) => {
      statements.push(sql);
      return db.query(sql, params);
    },
    transaction: () => Promise.reject(new Error(why)),
  };
  return { db: counted, statements };
}
