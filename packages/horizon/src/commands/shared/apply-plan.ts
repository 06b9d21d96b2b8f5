import { assertNotHeld, describePlan } from "../../core/release-plan.js";
import type { ReleasePlan } from "../../core/release-plan.js";
import { HOLDS_FILE, parseHolds } from "../../gitops/holds.js";
import { commitEdits, readRepoFile } from "../../gitops/repo.js";
import { pushWithRetry } from "../../gitops/push.js";
import type { PushResult } from "../../gitops/push.js";
import type { CommandContext } from "../cli-support.js";

export interface ApplyOptions {
  dryRun?: boolean;
  push?: boolean;
  json?: boolean;
}

export interface ReleaseOutcome {
  /** `unchanged`: nothing to do (already at that image). */
  status: "committed" | "unchanged" | "dry-run";
  plan?: ReleasePlan;
  commit?: string;
  push?: PushResult;
}

/** Applies a plan (or only shows it with --dry-run), pushes with --push, reports. */
export async function applyPlan(
  root: string,
  plan: ReleasePlan | undefined,
  options: ApplyOptions,
  context: CommandContext,
  unchanged: string,
  afterRebase?: () => void,
): Promise<ReleaseOutcome> {
  let outcome: ReleaseOutcome;
  if (!plan) outcome = { status: "unchanged" };
  else if (options.dryRun) outcome = { status: "dry-run", plan };
  else {
    const commit = await commitEdits(root, plan.edits, plan.message);
    outcome = { status: "committed", plan, commit };
    if (options.push) outcome.push = await pushWithRetry(root, afterRebase ? { afterRebase } : {});
  }
  if (options.json) {
    const { plan: p, ...rest } = outcome;
    const json = { ...rest, ...(p ? { release: p.release, files: p.edits.map((e) => e.path), message: p.message } : {}) };
    context.write(`${JSON.stringify(json, null, 2)}\n`);
  } else if (outcome.status === "unchanged") context.write(`${unchanged}\n`);
  else if (outcome.status === "dry-run" && plan) context.write(`dry run, nothing changed. Plan:\n${describePlan(plan)}\n`);
  else if (plan && outcome.commit) {
    const subject = plan.message.split("\n")[0] ?? "";
    const pushed = outcome.push ? `; pushed to ${outcome.push.remote} ${outcome.push.branch} (attempt ${outcome.push.attempts})` : "";
    context.write(`committed ${outcome.commit.slice(0, 12)} ${subject}${pushed}\n`);
  }
  return outcome;
}

/**
 * After a rebase someone else's rollback may have put one of our images on
 * hold: then stop before pushing (the local commit stays, unpushed).
 */
export function recheckHolds(root: string, plan: ReleasePlan | undefined, manifestsDir: string): () => void {
  return () => {
    if (!plan) return;
    const holds = parseHolds(readRepoFile(root, HOLDS_FILE));
    for (const s of plan.release.services) assertNotHeld(holds, plan.release.environment, s.service, s.image, manifestsDir);
  };
}

/** The plan with `Horizon-Break-Glass: <reason>` recorded: a refused action done anyway, shown by history and compliance. */
export function withBreakGlass(plan: ReleasePlan, reason: string): ReleasePlan {
  return { ...plan, release: { ...plan.release, breakGlass: reason }, message: `${plan.message.trimEnd()}\nHorizon-Break-Glass: ${reason}\n` };
}
