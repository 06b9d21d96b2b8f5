import { planSetImage, parseSourceOrigin } from "../../core/release-plan.js";
import { HOLDS_FILE, parseHolds } from "../../gitops/holds.js";
import { readServiceManifest } from "../../gitops/manifests.js";
import { assertCleanRepository, readRepoFile } from "../../gitops/repo.js";
import { applyPlan, recheckHolds, manifestsRoot } from "./shared.js";
import type { ApplyOptions, CommandContext, ReleaseOutcome } from "./shared.js";

export interface SetImageOptions extends ApplyOptions {
  manifests: string;
  env: string;
  service: string;
  image: string;
  sourceSha?: string;
  sourceTime?: string;
}

/** `horizon release set-image`: points one service of one environment at a new image, in one commit. */
export async function runSetImage(options: SetImageOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  const origin = parseSourceOrigin(options.sourceSha, options.sourceTime);
  if (!options.dryRun) await assertCleanRepository(root);
  const manifest = readServiceManifest(root, options.env, options.service);
  const plan = planSetImage({
    manifest,
    image: options.image,
    holds: parseHolds(readRepoFile(root, HOLDS_FILE)),
    origin,
    manifestsDir: options.manifests,
  });
  return applyPlan(root, plan, options, context, `${options.service} in ${options.env} already runs ${options.image}; nothing to commit`, recheckHolds(root, plan, options.manifests));
}
