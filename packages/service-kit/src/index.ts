export * from "./events/index.js";

export { baseConfigSchema, ConfigError, DEVELOPMENT_JWT_SECRET, LOG_LEVELS, loadConfig } from "./config/config.js";
export type { BaseConfig } from "./config/config.js";

export {
  AppError,
  ConflictError,
  ForbiddenError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnprocessableError,
} from "./errors.js";
export type { AppErrorOptions, ProblemFieldError } from "./errors.js";

export { DatabaseError, openDatabase } from "./db/database.js";
export type { Database, OpenDatabaseOptions, Queryable, QueryResult, Transaction } from "./db/database.js";
export { DirtyMigrationError, migrate, MigrationError, migrationStatus, readMigrations } from "./db/migrations.js";
export type { MigrateOptions, MigrationFile, MigrationStatus } from "./db/migrations.js";
export { KIT_MIGRATIONS_TABLE, kitMigrationsDir, migrateService, serviceMigrationsApplied } from "./db/service-migrations.js";

export { createServiceApp } from "./http/app.js";
export { findUnstorableText, storableText, storableTimestamp, unstorableTextError } from "./http/storable-text.js";
export { decodeUtf8, MAX_JSON_DEPTH, parseJsonText } from "./http/json-body.js";
export type { ServiceAppOptions } from "./http/app.js";
export { createLogger, REDACTED_PATHS } from "./http/logger.js";
export { PROBLEM_CONTENT_TYPE, sendProblem, toProblem } from "./http/problem.js";
export type { Problem } from "./http/problem.js";
export { RequestValidationError, toJsonSchema } from "./http/zod.js";
export type { ZodTypeProvider } from "./http/zod.js";
export type { ServiceApp } from "./http/service-app.js";

export { createHmacVerifier, createJwksVerifier, createVerifier, ROLES, signServiceToken, signToken, TokenError, tokenPolicyOf } from "./auth/tokens.js";
export type { AuthUser, Role, Verifier } from "./auth/tokens.js";
export type { AuthHook } from "./auth/plugin.js";

export { purgeExpiredIdempotencyKeys } from "./idempotency/store.js";
export { requestFingerprint } from "./idempotency/plugin.js";
export type { IdempotencyMode } from "./idempotency/plugin.js";

export { booleanFlag, numberFlag, stringFlag } from "./flags/definitions.js";
export type { FlagDefinition, FlagType, NumberFlagOptions } from "./flags/definitions.js";
export { openFlags } from "./flags/client.js";
export type { FlagContext, FlagsClient, FlagsLogger, OpenFlagsOptions } from "./flags/client.js";
export { flagContext } from "./flags/plugin.js";

export { bootService } from "./process/service.js";
export type { BootDeps, BootSpec, RunningService, StartOptions } from "./process/service.js";
export { runMain } from "./process/run-main.js";
export type { RunMainOptions } from "./process/run-main.js";
