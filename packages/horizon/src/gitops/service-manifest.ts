import { readDeploymentImage, setDeploymentImage } from "./deployment-image.js";
import type { ImageRef } from "./image-ref.js";
import { readKustomizeImage, setKustomizeImage } from "./kustomize-image.js";
import type { Layout } from "./layout.js";

// The pure half of a service's manifest: its text in, its image or new text out. manifests.ts reads it from disk.

export interface ServiceManifest {
  environment: string;
  service: string;
  layout: Layout;
  /** Repository-relative, forward slashes. */
  file: string;
  source: string;
}

/** The image a manifest deploys for its service. */
export function imageOf(manifest: Pick<ServiceManifest, "layout" | "file" | "source" | "service">): string {
  return manifest.layout === "kustomize"
    ? readKustomizeImage(manifest.source, manifest.file, manifest.service)
    : readDeploymentImage(manifest.source, manifest.file, manifest.service);
}

/** The manifest's text with the service's image set to `image`. */
export function withImage(manifest: ServiceManifest, image: ImageRef): string {
  return manifest.layout === "kustomize"
    ? setKustomizeImage(manifest.source, manifest.file, manifest.service, image)
    : setDeploymentImage(manifest.source, manifest.file, image);
}
