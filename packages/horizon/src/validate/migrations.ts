import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

/**
 * The rule of packages/service-kit/src/db/migration-names.ts, which the
 * service migrator enforces (horizon cannot import the kit: no dependency);
 * migrations.test.ts checks that the two give the same verdicts.
 */
const BOTH = /^([0-9]+)_([A-Za-z0-9_-]+)\.(up|down)\.sql$/;
/** golang-migrate v4.18.3 source/parse.go. */
const GOLANG_MIGRATE = /^([0-9]+)_(.*)\.(down|up)\.(.*)$/;
const RULE = "NNNN_name.up.sql / NNNN_name.down.sql, the name of letters, digits, _ and -";

/**
 * Migration file names both the db-migrate image (golang-migrate) and the
 * services' own migrator accept: `NNNN_name.up.sql` / `.down.sql`, one
 * version per name, every up with its down.
 */
export function checkMigrationNames(dir: string, files: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const versions = new Map<number, { name: string; up: boolean; down: boolean }>();
  for (const file of files) {
    const match = BOTH.exec(file);
    if (!match) {
      const message = GOLANG_MIGRATE.test(file)
        ? `golang-migrate reads this file but the service migrator refuses it: name it ${RULE}`
        : "not a golang-migrate file name (NNNN_name.up.sql or NNNN_name.down.sql)";
      findings.push(finding(`${dir}/${file}`, 1, "migrations", message));
      continue;
    }
    const version = Number(match[1]);
    const seen = versions.get(version) ?? { name: match[2] ?? "", up: false, down: false };
    if (seen.name !== match[2]) findings.push(finding(`${dir}/${file}`, 1, "migrations", `version ${version} is used twice (${seen.name} and ${match[2] ?? ""}); golang-migrate refuses duplicates`));
    if (match[3] === "up") seen.up = true;
    else seen.down = true;
    versions.set(version, seen);
  }
  for (const [version, seen] of versions) {
    if (!seen.up) findings.push(finding(dir, 1, "migrations", `version ${version} (${seen.name}) has a down migration but no up`));
    if (!seen.down) findings.push(finding(dir, 1, "migrations", `version ${version} (${seen.name}) has no down migration`));
  }
  return findings;
}

/** Every `migrations/` folder of a workspace under services/ and packages/. */
export async function checkMigrations(root: string): Promise<{ findings: Finding[]; folders: number }> {
  const findings: Finding[] = [];
  let folders = 0;
  for (const parent of ["services", "packages"]) {
    let workspaces: string[];
    try {
      workspaces = (await readdir(join(root, parent), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch {
      continue;
    }
    for (const ws of workspaces) {
      const dir = `${parent}/${ws}/migrations`;
      let files: string[];
      try {
        files = (await readdir(join(root, dir), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
      } catch {
        continue;
      }
      folders += 1;
      findings.push(...checkMigrationNames(dir, files));
    }
  }
  return { findings, folders };
}
