import { planSetImage, parseSourceOrigin } from "../../core/release-plan.js";
import { InputError } from "../../errors.js";
import { formatImageRef, parsePinnedImageRef } from "../../gitops/image-ref.js";
import { HOLDS_FILE, parseHolds } from "../../gitops/holds.js";
import { readServiceManifest } from "../../gitops/manifests.js";
import { assertCleanRepository, readRepoFile } from "../../gitops/repo.js";
import { GATE_VERDICTS, type GateVerdictName } from "../../gitops/trailers.js";
import { enforcePolicy, parseBreakGlass, policyBlockers } from "../shared/policy.js";
import { applyPlan, recheckHolds, withBreakGlass, type ApplyOptions, type ReleaseOutcome } from "../shared/apply-plan.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";

export interface SetImageOptions extends ApplyOptions {
  manifests: string;
  env: string;
  service: string;
  image: string;
  sourceSha?: string;
  sourceTime?: string;
  gates?: string;
  breakGlass?: string;
}

/**
 * `REPO@sha256:...` with `--source-sha` becomes `REPO:<source sha>@sha256:...`:
 * CI tags every image with its full source commit, and the tag is what names
 * the migration Job's db-migrate image of that commit (a digest says nothing
 * about db-migrate; Kubernetes pulls by the digest). An abbreviated SHA is no
 * tag CI pushes: exit 2.
 */
function withSourceTag(image: string, sourceCommit: string | undefined): string {
  const ref = parsePinnedImageRef(image);
  if (ref.digest === undefined || ref.tag !== undefined || sourceCommit === undefined) return image;
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sourceCommit)) {
    throw new InputError(`--source-sha ${sourceCommit} is abbreviated: ${image} is tagged with its full source commit, which names the migration Job's db-migrate image`);
  }
  return formatImageRef({ ...ref, tag: sourceCommit });
}

/** `horizon release set-image`: points one service of one environment at a new image, in one commit. */
export async function runSetImage(options: SetImageOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  const origin = parseSourceOrigin(options.sourceSha, options.sourceTime);
  if (options.gates !== undefined) {
    if (!(GATE_VERDICTS as readonly string[]).includes(options.gates)) throw new InputError(`--gates ${options.gates} is not one of ${GATE_VERDICTS.join(", ")}`);
    origin.gates = options.gates as GateVerdictName;
  }
  const breakGlass = parseBreakGlass(options.breakGlass);
  if (!options.dryRun) await assertCleanRepository(root);
  const manifest = readServiceManifest(root, options.env, options.service);
  const plan = planSetImage({
    manifest,
    image: withSourceTag(options.image, origin.sourceCommit),
    holds: parseHolds(readRepoFile(root, HOLDS_FILE)),
    origin,
    manifestsDir: options.manifests,
  });
  // A frozen environment, or one outside its windows, takes no new image (CONTRACTS.md: what is allowed when).
  const blockers = plan ? await policyBlockers(root, { to: options.env, images: [] }, (context.now?.() ?? new Date()).getTime()) : [];
  const override = options.dryRun ? undefined : enforcePolicy(blockers, breakGlass, `set-image in ${options.env}`);
  const recorded = plan && override ? withBreakGlass(plan, override) : plan;
  return applyPlan(root, recorded, options, context, `${options.service} in ${options.env} already runs ${options.image}; nothing to commit`, recheckHolds(root, recorded, options.manifests));
}
