import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

/**
 * Every service workspace (`services/<name>/package.json`) is delivered:
 * it has a Dockerfile, a base in the manifests repo, an overlay in every
 * environment, and its migrations are in the db-migrate image.
 */
export async function checkServicesDelivered(root: string, deployDir: string): Promise<{ findings: Finding[]; services: number }> {
  let names: string[];
  try {
    names = (await readdir(join(root, "services"), { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(root, "services", e.name, "package.json"))).map((e) => e.name).sort();
  } catch {
    return { findings: [], services: 0 };
  }
  const environments = existsSync(join(root, deployDir, "environments"))
    ? (await readdir(join(root, deployDir, "environments"), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()
    : [];
  const migrateDockerfile = "docker/db-migrate/Dockerfile";
  const migrate = existsSync(join(root, migrateDockerfile)) ? await readFile(join(root, migrateDockerfile), "utf8") : undefined;
  const findings: Finding[] = [];
  for (const name of names) {
    const pkg = `services/${name}/package.json`;
    if (!existsSync(join(root, "services", name, "Dockerfile"))) findings.push(finding(pkg, 1, "delivery", `service ${name} has no Dockerfile (services/${name}/Dockerfile), so CI cannot build its image`));
    if (!existsSync(join(root, deployDir, "base", name, "kustomization.yaml"))) findings.push(finding(pkg, 1, "delivery", `service ${name} has no ${deployDir}/base/${name}/kustomization.yaml`));
    for (const env of environments) {
      if (!existsSync(join(root, deployDir, "environments", env, name, "kustomization.yaml"))) {
        findings.push(finding(pkg, 1, "delivery", `service ${name} is not deployed to ${env} (no ${deployDir}/environments/${env}/${name}/kustomization.yaml)`));
      }
    }
    if (migrate !== undefined && existsSync(join(root, "services", name, "migrations")) && !migrate.includes(`services/${name}/migrations`)) {
      findings.push(finding(migrateDockerfile, 1, "delivery", `the db-migrate image does not copy services/${name}/migrations`));
    }
  }
  return { findings, services: names.length };
}
