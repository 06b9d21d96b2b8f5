import { fileURLToPath } from "node:url";
import type { Database, Queryable } from "./database.js";
import type { MigrateOptions } from "./migrations.js";
import { migrate, migrationStatus } from "./migrations.js";

/** The kit's own migrations (idempotency keys, outbox, processed events). */
export const kitMigrationsDir = fileURLToPath(new URL("../../migrations", import.meta.url));
export const KIT_MIGRATIONS_TABLE = "kit_schema_migrations";

/** Applies the kit's migrations (table `kit_schema_migrations`), then the service's (`schema_migrations`). */
export async function migrateService(db: Database, serviceMigrationsDir: string, options: Pick<MigrateOptions, "log"> = {}): Promise<void> {
  await migrate(db, kitMigrationsDir, { ...options, table: KIT_MIGRATIONS_TABLE });
  await migrate(db, serviceMigrationsDir, options);
}

/** True when both sets of migrations are applied and clean (what /readyz needs). */
export async function serviceMigrationsApplied(db: Queryable, serviceMigrationsDir: string | undefined): Promise<boolean> {
  const kit = await migrationStatus(db, kitMigrationsDir, { table: KIT_MIGRATIONS_TABLE });
  if (kit.dirty || kit.pending.length > 0) return false;
  if (serviceMigrationsDir === undefined) return true;
  const own = await migrationStatus(db, serviceMigrationsDir);
  return !own.dirty && own.pending.length === 0;
}
