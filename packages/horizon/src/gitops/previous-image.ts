import { gitText } from "../io/git.js";
import { imageOf } from "./service-manifest.js";
import type { ServiceManifest } from "./service-manifest.js";
import type { ReleaseRecord } from "./release-log.js";
import { showFileAt } from "./repo.js";

interface RestorePoint {
  /** The newest earlier image that is not held. */
  image: string;
  /** The deployments between it and now that this rollback undoes (not rollbacks, not deployments already undone). */
  rollsBack: string[];
  /** The newest commit at which the manifest deployed `image`. */
  commit: string;
}

interface RestoreSearch {
  /** Undefined when no earlier image may be restored. */
  restore?: RestorePoint;
  /** Earlier images passed over because they are held, newest first. */
  skippedHeld: string[];
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

/** Commits that are no deployment to undo: rollbacks, and deployments an earlier rollback already undid. */
function notUndoable(history: readonly ReleaseRecord[], manifest: ServiceManifest): (commit: string) => boolean {
  const mine = history.filter((r) => r.environment === manifest.environment && r.action === "rollback");
  const rollbacks = new Set(mine.map((r) => r.commit));
  const undone = mine.flatMap((r) => r.rollsBack.filter((b) => b.service === manifest.service).map((b) => b.commit));
  return (commit) => rollbacks.has(commit) || undone.some((u) => u.length >= 4 && commit.startsWith(u));
}

/**
 * Walks the manifest file's git history newest first (a hand edit is a
 * deployment too) to the newest image that is neither the current one nor
 * held. The walk is lazy: a busy file has thousands of commits, a rollback
 * usually needs two.
 */
export async function findRestorePoint(
  root: string,
  manifest: ServiceManifest,
  history: readonly ReleaseRecord[],
  isHeld: (image: string) => boolean,
): Promise<RestoreSearch> {
  const current = imageOf(manifest);
  const skip = notUndoable(history, manifest);
  const commits = (await gitText(["log", "--format=%H", "--", manifest.file], { cwd: root })).split("\n").filter(Boolean);
  const skippedHeld: string[] = [];
  const rollsBack: string[] = [];
  let newer: { commit: string; image: string | undefined } | undefined;
  for (const commit of commits) {
    const image = await imageAt(root, manifest, commit);
    // `newer` changed the image from this commit's one: it was a deployment.
    if (newer && newer.image !== image && newer.image !== undefined && !skip(newer.commit)) rollsBack.push(newer.commit);
    newer = { commit, image };
    if (image === undefined || image === current) continue;
    if (!isHeld(image)) return { restore: { image, rollsBack, commit }, skippedHeld };
    if (!skippedHeld.includes(image)) skippedHeld.push(image);
  }
  return { skippedHeld };
}
