import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMigrationName } from "../../../service-kit/src/db/migration-names.js";
import { formatFinding } from "./findings.js";
import { checkMigrationNames } from "./migrations.js";
import { runTool } from "../io/process.js";

describe("checkMigrationNames", () => {
  it("accepts golang-migrate pairs", () => {
    expect(checkMigrationNames("m", ["0001_a.down.sql", "0001_a.up.sql", "0002_b-c.down.sql", "0002_b-c.up.sql"])).toEqual([]);
  });
  it("names bad file names, duplicate versions and missing halves", () => {
    const findings = checkMigrationNames("m", ["0001_a.up.sql", "0001_b.up.sql", "0002_c.down.sql", "3_init.sql", "README.md"]).map(formatFinding);
    expect(findings).toEqual([
      "m/0001_b.up.sql:1: [migrations] version 1 is used twice (a and b); golang-migrate refuses duplicates",
      "m/3_init.sql:1: [migrations] not a golang-migrate file name (NNNN_name.up.sql or NNNN_name.down.sql)",
      "m/README.md:1: [migrations] not a golang-migrate file name (NNNN_name.up.sql or NNNN_name.down.sql)",
      "m:1: [migrations] version 1 (a) has no down migration",
      "m:1: [migrations] version 2 (c) has a down migration but no up",
    ]);
  });

  const golangMigrateOnly = ["0002_add index.up.sql", "0002_b.up.psql", "0002_b.up.sql.orig", "0002_b.down.SQL", "0002_a.b.up.sql"];

  it.each(golangMigrateOnly)("refuses %s, which golang-migrate would run and the service migrator would not", (name) => {
    const findings = checkMigrationNames("m", [name]).map(formatFinding);
    expect(findings[0]).toMatch(new RegExp(`^m/${name.replace(/[.]/g, "\\.")}:1: \\[migrations\\] golang-migrate reads`));
  });

  it("accepts exactly the names the service migrator accepts (one rule)", () => {
    for (const name of [...golangMigrateOnly, "0001_a.up.sql", "0001_a.down.sql", "12_b-c.up.sql", "README.md", "0001.up.sql"]) {
      const accepted = checkMigrationNames("m", [name, name.replace(/\.(up|down)\./, (_, d: string) => (d === "up" ? ".down." : ".up."))]).length === 0;
      expect([name, accepted]).toEqual([name, parseMigrationName(name).kind === "migration"]);
    }
  });
});

describe("db-migrate's migrate-all entry point", () => {
  const script = resolve(import.meta.dirname, "../../../../docker/db-migrate/migrate-all.sh");

  /**
   * A stand-in for golang-migrate v4.18.3 (not installed here): it prints its arguments, and when
   * VERSION_<folder> says the database is at a version with no file in `-path` it fails as
   * upstream's `migrate up` does (migrate.go readUp -> versionExists; m.logErr then the CLI's
   * fatalErr both print to stderr; exit 1).
   */
  const standIn = `#!/bin/sh
echo "migrate $*"
folder=$(basename "$2" | tr - _)
version=$(eval "echo \\\${VERSION_$folder:-}")
[ -n "$version" ] || exit 0
ls "$2" | grep -q "^0*\${version}_" && exit 0
message="no migration found for version $version: read down for version $version .: file does not exist"
printf 'error: %s' "$message" >&2
printf 'error: %s\\n' "$message" >&2
exit 1
`;

  /** Runs the script with the stand-in `migrate`; kit and payment-service hold migrations 1 and 2. */
  async function run(args: string[], env: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const dir = await mkdtemp(join(tmpdir(), "db-migrate-"));
    try {
      for (const folder of ["kit", "payment-service"]) {
        await mkdir(join(dir, "migrations", folder), { recursive: true });
        for (const name of ["0001_a.up.sql", "0001_a.down.sql", "0002_b.up.sql", "0002_b.down.sql"]) await writeFile(join(dir, "migrations", folder, name), "");
      }
      await mkdir(join(dir, "bin"));
      await writeFile(join(dir, "bin", "migrate"), standIn);
      await chmod(join(dir, "bin", "migrate"), 0o755);
      const vars = Object.entries({ MIGRATIONS_DIR: join(dir, "migrations"), PATH: `${join(dir, "bin")}${delimiter}${process.env.PATH ?? ""}`, ...env }).map(([k, v]) => `${k}=${v}`);
      const result = await runTool("env", ["-i", ...vars, "sh", script, ...args], dir);
      return { ...result, stdout: result.stdout.replaceAll(join(dir, "migrations"), "/migrations") };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("applies the kit's migrations with their own table, then the service's", async () => {
    const result = await run(["payment-service"], { DATABASE_URL: "postgres://app@db:5432/payments?sslmode=require" });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n").filter((l) => l.startsWith("migrate "))).toEqual([
      "migrate -path /migrations/kit -database postgres://app@db:5432/payments?sslmode=require&x-migrations-table=kit_schema_migrations up",
      "migrate -path /migrations/payment-service -database postgres://app@db:5432/payments?sslmode=require up",
    ]);
  });

  it("refuses an unknown service, a missing DATABASE_URL and anything but up (exit 2)", async () => {
    const unknown = await run(["ledger-service"], { DATABASE_URL: "postgres://db/x" });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no migrations for "ledger-service"; known: payment-service/);
    const noUrl = await run(["payment-service"], {});
    expect(noUrl.exitCode).toBe(2);
    expect(noUrl.stderr).toMatch(/DATABASE_URL is not set/);
    const down = await run(["payment-service", "down"], { DATABASE_URL: "postgres://db/x" });
    expect(down.exitCode).toBe(2);
  });

  it("treats a database ahead of the image's files as nothing to do, naming both versions (a rollback)", async () => {
    const result = await run(["payment-service"], { DATABASE_URL: "postgres://db/x", VERSION_payment_service: "5" });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/payment-service \(schema_migrations\): the database is at version 5, ahead of these migrations \(latest 2\): nothing to do/);
    const kitAhead = await run(["payment-service"], { DATABASE_URL: "postgres://db/x", VERSION_kit: "3" });
    expect(kitAhead.exitCode).toBe(0);
    expect(kitAhead.stdout).toMatch(/payment-service \(kit_schema_migrations\): the database is at version 3, ahead of these migrations \(latest 2\): nothing to do/);
    expect(kitAhead.stdout).toContain("migrate -path /migrations/payment-service");
  });

  it("still fails when the database's version is missing among older files", async () => {
    const result = await run(["payment-service"], { DATABASE_URL: "postgres://db/x", VERSION_payment_service: "0" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("no migration found for version 0");
  });
});
