import { parseImageRef } from "./image-ref.js";
import { imageOf, listServices, readServiceManifest } from "./manifests.js";

/** `payment-service:sha-9f8e7d6`: how refusals and the dashboard name an image. */
export function imageLabel(service: string, image: string): string {
  const ref = parseImageRef(image);
  return `${service}:${(ref.tag ?? ref.digest ?? image).slice(0, 19)}`;
}

/** The services both environments have whose image in `from` differs from `to`'s: what a promotion would move. */
export function movingImages(root: string, from: string, to: string): Array<{ service: string; image: string }> {
  const targets = new Set(listServices(root, to));
  return listServices(root, from)
    .filter((s) => targets.has(s))
    .map((service) => ({ service, image: imageOf(readServiceManifest(root, from, service)) }))
    .filter(({ service, image }) => image !== imageOf(readServiceManifest(root, to, service)));
}
