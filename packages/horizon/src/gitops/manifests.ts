import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { LAYOUT_FILES, listServices, manifestPath } from "./layout.js";
import type { ServiceManifest } from "./service-manifest.js";
import type { ServiceFile } from "./version-labels.js";

// The reader of a manifests repository: files in, the pure model of service-manifest.ts out.
// The listing of environments and services lives in layout.ts (no YAML parser); the listing and imageOf are re-exported here for the shell.
export { assertEnvironment, listEnvironments, listServices, manifestPath } from "./layout.js";
export { imageOf } from "./service-manifest.js";

export function readServiceManifest(root: string, environment: string, service: string): ServiceManifest {
  const services = listServices(root, environment);
  if (!services.includes(service)) {
    throw new InputError(`unknown service "${service}" in environment ${environment} (known: ${services.join(", ") || "none"})`);
  }
  for (const [layout] of LAYOUT_FILES) {
    const file = manifestPath(environment, service, layout);
    if (existsSync(join(root, file))) return { environment, service, layout, file, source: readFileSync(join(root, file), "utf8") };
  }
  throw new InputError(`unknown service "${service}" in environment ${environment}`);
}

/** The YAML files of `environments/<env>/<service>/`: where that service's version labels live (kustomization, patches, manifests). */
export function readServiceFiles(root: string, environment: string, service: string): ServiceFile[] {
  const dir = `environments/${environment}/${service}`;
  return readdirSync(join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: `${dir}/${f}`, source: readFileSync(join(root, dir, f), "utf8") }));
}
