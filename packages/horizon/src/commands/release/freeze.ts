import { addOpenFreeze, removeOpenFreezes } from "../../core/policy-edit.js";
import { POLICY_FILE } from "../../core/policy.js";
import type { ReleasePlan } from "../../core/release-plan.js";
import { formatInstant, formatLocal, localTimeAt } from "../../core/zoned-time.js";
import { InputError } from "../../errors.js";
import { assertEnvironment } from "../../gitops/manifests.js";
import { assertCleanRepository, readRepoFile } from "../../gitops/repo.js";
import { formatReleaseMessage } from "../../gitops/trailers.js";
import { readPolicy } from "../shared/policy.js";
import { applyPlan, type ApplyOptions, type ReleaseOutcome } from "../shared/apply-plan.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";

export interface FreezeOptions extends ApplyOptions {
  manifests: string;
  env: string;
  reason?: string;
}

/** `horizon release freeze`: stop the line. An open-ended freeze in promotion-policy.yaml, as a commit. */
export async function runFreeze(options: FreezeOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const reason = options.reason?.trim() ?? "";
  if (reason === "") throw new InputError("--reason is required: say why the line stops (it is shown to everyone refused)");
  if (/[\r\n]/.test(reason)) throw new InputError("--reason must be one line");
  const root = manifestsRoot(context.cwd, options.manifests);
  if (!options.dryRun) await assertCleanRepository(root);
  assertEnvironment(root, options.env);
  const policy = readPolicy(root);
  const now = (context.now?.() ?? new Date()).getTime();
  const from = localTimeAt(now, policy.timezone);
  const before = readRepoFile(root, POLICY_FILE);
  const after = addOpenFreeze(before, options.env, { from, reason });
  const release = { action: "freeze" as const, environment: options.env, services: [], rollsBack: [] };
  const plan: ReleasePlan = {
    edits: [{ path: POLICY_FILE, ...(before === undefined ? {} : { before }), after }],
    message: formatReleaseMessage(`freeze(${options.env}): ${reason}`, [`Frozen from ${formatInstant(now, policy.timezone)} until unfrozen.`], release),
    release,
  };
  return applyPlan(root, plan, options, context, "");
}

/** `horizon release unfreeze`: lifts the environment's open-ended freezes (scheduled ones stay), as a commit. */
export async function runUnfreeze(options: FreezeOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  if (!options.dryRun) await assertCleanRepository(root);
  assertEnvironment(root, options.env);
  const before = readRepoFile(root, POLICY_FILE);
  const { text, removed } = removeOpenFreezes(before, options.env);
  if (removed.length === 0) throw new InputError(`${options.env} has no open-ended freeze to lift (scheduled freezes in ${POLICY_FILE} end by themselves)`);
  const release = { action: "unfreeze" as const, environment: options.env, services: [], rollsBack: [] };
  const lifted = removed.map((f) => `${f.reason} (since ${formatLocal(f.from)})`);
  const plan: ReleasePlan = {
    edits: [{ path: POLICY_FILE, ...(before === undefined ? {} : { before }), after: text }],
    message: formatReleaseMessage(`unfreeze(${options.env}): ${removed.map((f) => f.reason).join("; ")}`, lifted.map((l) => `Lifted: ${l}`), release),
    release,
  };
  return applyPlan(root, plan, options, context, "");
}
