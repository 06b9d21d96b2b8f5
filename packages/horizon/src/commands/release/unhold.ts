import { planUnhold } from "../../core/rollback.js";
import { HOLDS_FILE } from "../../gitops/holds.js";
import { parseImageRef, formatImageRef } from "../../gitops/image-ref.js";
import { assertEnvironment } from "../../gitops/manifests.js";
import { assertCleanRepository, readRepoFile } from "../../gitops/repo.js";
import { applyPlan, type ApplyOptions, type ReleaseOutcome } from "../shared/apply-plan.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";

export interface UnholdOptions extends ApplyOptions {
  manifests: string;
  env: string;
  service: string;
  image?: string;
}

/** `horizon release unhold`: lifts a hold that a rollback set, as a commit (so the lifting is audited too). */
export async function runUnhold(options: UnholdOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  if (!options.dryRun) await assertCleanRepository(root);
  assertEnvironment(root, options.env);
  const plan = planUnhold({
    environment: options.env,
    service: options.service,
    ...(options.image === undefined ? {} : { image: formatImageRef(parseImageRef(options.image)) }),
    holdsSource: readRepoFile(root, HOLDS_FILE),
  });
  return applyPlan(root, plan, options, context, "no hold to lift");
}
