import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { readDeploymentImage, setDeploymentImage } from "./deployment-image.js";
import type { ImageRef } from "./image-ref.js";
import { readKustomizeImage, setKustomizeImage } from "./kustomize-image.js";

/**
 * The manifests repository model: `environments/<env>/<service>/` holds either
 * a Kustomize overlay (`kustomization.yaml` with an `images:` entry) or plain
 * manifests (`deployment.yaml`).
 */
export type Layout = "kustomize" | "plain";

export interface ServiceManifest {
  environment: string;
  service: string;
  layout: Layout;
  /** Repository-relative, forward slashes. */
  file: string;
  source: string;
}

const LAYOUT_FILES: ReadonlyArray<[Layout, string]> = [
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
