import type { ReleasePlan } from "../../core/release-plan.js";
import { assertValidFlagFile, flagsFile } from "../../gitops/flags.js";
import { formatReleaseMessage, type FlagChange } from "../../gitops/trailers.js";
import { enforcePolicy, parseBreakGlass, policyBlockers } from "../shared/policy.js";
import { applyPlan, withBreakGlass, type ApplyOptions, type ReleaseOutcome } from "../shared/apply-plan.js";
import type { CommandContext } from "../cli-support.js";

interface FlagCommit {
  environment: string;
  before: string;
  after: string;
  subject: string;
  body: string[];
  flags: FlagChange[];
  promotedFrom?: string;
}

/**
 * One flag commit: the new file validated (a change never writes what flagd would refuse), the environment's freeze
 * and windows enforced as for set-image (CONTRACTS.md, what is allowed when; `--break-glass` recorded), then applied
 * like every release command (`--dry-run`, `--json`, `--push`).
 */
export async function applyFlagCommit(
  root: string,
  change: FlagCommit,
  options: ApplyOptions & { breakGlass?: string },
  context: CommandContext,
  action: string,
  unchanged: string,
): Promise<ReleaseOutcome> {
  const breakGlass = parseBreakGlass(options.breakGlass);
  const path = flagsFile(change.environment);
  if (change.after === change.before) return applyPlan(root, undefined, options, context, unchanged);
  assertValidFlagFile(change.after, path);
  const release = {
    action: "flag" as const,
    environment: change.environment,
    ...(change.promotedFrom ? { promotedFrom: change.promotedFrom } : {}),
    services: [],
    rollsBack: [],
    flags: change.flags,
  };
  const plan: ReleasePlan = {
    edits: [{ path, before: change.before, after: change.after }],
    message: formatReleaseMessage(change.subject, change.body, release),
    release,
  };
  const blockers = await policyBlockers(root, { to: change.environment, images: [] }, (context.now?.() ?? new Date()).getTime());
  const override = options.dryRun ? undefined : enforcePolicy(blockers, breakGlass, `${action} in ${change.environment}`);
  return applyPlan(root, override ? withBreakGlass(plan, override) : plan, options, context, unchanged);
}
