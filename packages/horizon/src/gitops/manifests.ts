import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { readDeploymentImage, setDeploymentImage } from "./deployment-image.js";
import type { ImageRef } from "./image-ref.js";
import { readKustomizeImage, setKustomizeImage } from "./kustomize-image.js";
import { LAYOUT_FILES, listServices, manifestPath } from "./layout.js";
import type { Layout } from "./layout.js";

// The listing of environments and services lives in layout.ts (no YAML parser); it is re-exported here.
export { assertEnvironment, listEnvironments, listServices, manifestPath } from "./layout.js";
export type { Layout } from "./layout.js";

export interface ServiceManifest {
  environment: string;
  service: string;
  layout: Layout;
  /** Repository-relative, forward slashes. */
  file: string;
  source: string;
}

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

/** The image a manifest deploys for its service. */
export function imageOf(manifest: Pick<ServiceManifest, "layout" | "file" | "source" | "service">): string {
  return manifest.layout === "kustomize"
    ? readKustomizeImage(manifest.source, manifest.file, manifest.service)
    : readDeploymentImage(manifest.source, manifest.file, manifest.service);
}

/** The manifest's text with the service's image set to `image`. Pure. */
export function withImage(manifest: ServiceManifest, image: ImageRef): string {
  return manifest.layout === "kustomize"
    ? setKustomizeImage(manifest.source, manifest.file, manifest.service, image)
    : setDeploymentImage(manifest.source, manifest.file, image);
}
