import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

const MIGRATION = /^(\d+)_([\w-]+)\.(up|down)\.sql$/;

/**
 * golang-migrate's rules for a migrations folder, which the db-migrate image
 * and the services' own migrator both follow: `NNNN_name.up.sql` /
 * `.down.sql`, one version per name, every up with its down.
 */
export function checkMigrationNames(dir: string, files: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const versions = new Map<number, { name: string; up: boolean; down: boolean }>();
  for (const file of files) {
    const match = MIGRATION.exec(file);
    if (!match) {
      findings.push(finding(`${dir}/${file}`, 1, "migrations", "not a golang-migrate file name (NNNN_name.up.sql or NNNN_name.down.sql)"));
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
