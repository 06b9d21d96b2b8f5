import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SERVICE_BUILD_ARG, SERVICE_DOCKERFILE } from "../core/service-image.js";
import { parseDockerfile } from "./dockerfile.js";
import { takesServiceArg } from "./dockerfile-service.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

/** The service workspaces: folders under services/ with a package.json, sorted. */
export async function serviceWorkspaces(root: string): Promise<string[]> {
  try {
    return (await readdir(join(root, "services"), { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(root, "services", e.name, "package.json"))).map((e) => e.name).sort();
  } catch (error) {
    if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return [];
    throw error;
  }
}

/**
 * Every service workspace (`services/<name>/package.json`) is delivered:
 * the one service Dockerfile builds it (and it has none of its own), it has
 * a base in the manifests repo, an overlay in every environment, and its
 * migrations are in the db-migrate image.
 */
export async function checkServicesDelivered(root: string, deployDir: string): Promise<{ findings: Finding[]; services: number }> {
  const names = await serviceWorkspaces(root);
  const imageBuilt = existsSync(join(root, SERVICE_DOCKERFILE));
  const findings: Finding[] = [];
  if (imageBuilt && names.length > 0 && !takesServiceArg(parseDockerfile(await readFile(join(root, SERVICE_DOCKERFILE), "utf8")))) {
    findings.push(finding(SERVICE_DOCKERFILE, 1, "delivery", `declares no ARG ${SERVICE_BUILD_ARG}, so it cannot build each service (--build-arg ${SERVICE_BUILD_ARG}=<name>)`));
  }
  const environments = existsSync(join(root, deployDir, "environments"))
    ? (await readdir(join(root, deployDir, "environments"), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()
    : [];
  const migrateDockerfile = "docker/db-migrate/Dockerfile";
  const migrate = existsSync(join(root, migrateDockerfile)) ? await readFile(join(root, migrateDockerfile), "utf8") : undefined;
  for (const name of names) {
    const pkg = `services/${name}/package.json`;
    if (!imageBuilt) findings.push(finding(pkg, 1, "delivery", `service ${name} has no image: ${SERVICE_DOCKERFILE}, which builds each service with --build-arg ${SERVICE_BUILD_ARG}=<name>, does not exist`));
    const own = `services/${name}/Dockerfile`;
    if (existsSync(join(root, own))) findings.push(finding(own, 1, "delivery", `a Dockerfile of its own: every service is built from ${SERVICE_DOCKERFILE} with --build-arg ${SERVICE_BUILD_ARG}=${name}; delete this one`));
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
