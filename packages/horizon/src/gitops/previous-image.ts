import { gitText } from "../io/git.js";
import { imageOf } from "./manifests.js";
import type { ServiceManifest } from "./manifests.js";
import type { ReleaseRecord } from "./release-log.js";
import { showFileAt } from "./repo.js";

export interface PreviousImage {
  /** The deploy commit that brought the current image. */
  commit: string;
  /** The image before it. */
  image: string;
}

async function imageAt(root: string, manifest: ServiceManifest, commit: string): Promise<string | undefined> {
  const source = await showFileAt(root, commit, manifest.file);
  if (source === undefined) return undefined;
  try {
    return imageOf({ ...manifest, source });
  } catch {
    return undefined;
  }
}

/**
 * The deployment that brought the service's current image, and the image it
 * replaced: from the release trailers when a horizon commit did it, else from
 * the file's git history (a hand edit is a deployment too).
 */
export async function findPreviousImage(root: string, manifest: ServiceManifest, history: readonly ReleaseRecord[]): Promise<PreviousImage | undefined> {
  const current = imageOf(manifest);
  for (let i = history.length - 1; i >= 0; i--) {
    const r = history[i];
    if (r.environment !== manifest.environment || (r.action !== "deploy" && r.action !== "promote")) continue;
    // The latest deployment of the current image (a rollback may have brought it back since).
    const s = r.services.find((x) => x.service === manifest.service && x.image === current);
    if (s?.previousImage) return { commit: r.commit, image: s.previousImage };
  }
  const commits = (await gitText(["log", "--format=%H", "--", manifest.file], { cwd: root })).split("\n").filter(Boolean);
  for (const commit of commits) {
    if ((await imageAt(root, manifest, commit)) !== current) continue;
    const before = await imageAt(root, manifest, `${commit}^`);
    if (before !== undefined && before !== current) return { commit, image: before };
  }
  return undefined;
}
