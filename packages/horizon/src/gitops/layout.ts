import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";

// The folders and file names of a manifests repository, without reading any manifest: no YAML parser here,
// so the read-only commands (history, dora, compliance) start without loading one.

/**
 * The manifests repository model: `environments/<env>/<service>/` holds either
 * a Kustomize overlay (`kustomization.yaml` with an `images:` entry) or plain
 * manifests (`deployment.yaml`).
 */
export type Layout = "kustomize" | "plain";

export const LAYOUT_FILES: ReadonlyArray<[Layout, string]> = [
  ["kustomize", "kustomization.yaml"],
  ["plain", "deployment.yaml"],
];

function subdirectories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

export function listEnvironments(root: string): string[] {
  const dir = join(root, "environments");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(`${root} is not a manifests repository: it has no environments/ folder`);
  }
  return subdirectories(dir);
}

export function assertEnvironment(root: string, environment: string): void {
  const known = listEnvironments(root);
  if (!known.includes(environment)) {
    throw new InputError(`unknown environment "${environment}" in ${root} (known: ${known.join(", ") || "none"})`);
  }
}

/** Services of an environment: its sub-folders that hold a kustomization.yaml or a deployment.yaml. */
export function listServices(root: string, environment: string): string[] {
  assertEnvironment(root, environment);
  const dir = join(root, "environments", environment);
  return subdirectories(dir).filter((s) => LAYOUT_FILES.some(([, f]) => existsSync(join(dir, s, f))));
}

export function manifestPath(environment: string, service: string, layout: Layout): string {
  const file = LAYOUT_FILES.find(([l]) => l === layout)?.[1] ?? "kustomization.yaml";
  return `environments/${environment}/${service}/${file}`;
}
