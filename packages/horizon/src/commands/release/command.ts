import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { collect, processIo } from "../cli-support.js";
import type { FreezeOptions } from "./freeze.js";
import type { HistoryOptions } from "./history.js";
import type { PolicyOptions } from "./policy.js";
import type { PromoteOptions } from "./promote.js";
import type { RollbackOptions } from "./rollback.js";
import type { SetImageOptions } from "./set-image.js";
import type { SyncOptions } from "./sync.js";
import type { UnholdOptions } from "./unhold.js";

/** Options every writing release command has. */
function writingOptions(command: Command): Command {
  return command
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .option("--push", "push the commit; if someone pushed first, fetch, rebase and retry (never force)")
    .option("--dry-run", "print the plan (files and commit message) and change nothing")
    .option("--json", "print the outcome as JSON");
}

export function registerRelease(program: Command): void {
  const release = program
    .command("release")
    .description("GitOps releases in the manifests repo: set-image, promote, rollback, unhold, sync, history, policy, freeze, unfreeze (each change is one git commit)");

  writingOptions(
    release
      .command("set-image")
      .description("set one service's image in one environment of the manifests repo (kustomize images: entry or the container's image), as one commit")
      .requiredOption("--env <env>", "environment folder under environments/")
      .requiredOption("--service <name>", "service folder under environments/<env>/")
      .requiredOption("--image <ref>", "new image, REPO:TAG or REPO@sha256:...")
      .option("--source-sha <sha>", "application commit built into the image (recorded for the audit trail and lead time)")
      .option("--source-time <iso8601>", "that commit's time (lead time starts here)")
      .option("--gates <verdict>", "the pipeline's quality-gate verdict on the image: passed, failed or none (Horizon-Gates; promote --auto takes only passed)")
      .option("--break-glass <reason>", "deploy although promotion-policy.yaml refuses (the environment is frozen or outside its windows); recorded"),
  ).action(async (options: SetImageOptions) => {
    const { runSetImage } = await import("./set-image.js");
    await runSetImage(options, processIo());
  });

  writingOptions(
    release
      .command("promote")
      .description("carry image references (and with --version, version labels) from one environment to the next; the target's own settings stay")
      .option("--from <env>", "source environment (required unless --auto)")
      .option("--to <env>", "target environment (required unless --auto)")
      .option("--auto", "promote into every autoPromote environment of promotion-policy.yaml the images whose gates passed and whose soak elapsed (scheduled workflow)")
      .option("--service <name>", "a service to promote; repeat for several (default: every service both environments have)", collect, [])
      .option("--version <v>", "also set the existing app.kubernetes.io/version and version labels (never selectors)")
      .option("--break-glass <reason>", "promote although promotion-policy.yaml refuses (frozen, outside a window, soak not met); recorded as Horizon-Break-Glass")
      .option("--plan-out <file>", "with --dry-run: also write the plan as Markdown (rendered diff, images, gates, policy)")
      .option("--body-out <file>", "with --dry-run: also write the plan trimmed to GitHub's 65,536-character pull request body"),
  ).action(async (options: Omit<PromoteOptions, "from" | "to"> & { from?: string; to?: string; auto?: boolean }) => {
    if (options.auto) {
      if (options.from !== undefined || options.to !== undefined || options.service.length > 0 || options.version !== undefined) {
        throw new InputError("--auto chooses the environments and services from promotion-policy.yaml: drop --from, --to, --service and --version");
      }
      const { runAutoPromote } = await import("./promote-auto.js");
      await runAutoPromote(options, processIo());
      return;
    }
    if (options.from === undefined || options.to === undefined) throw new InputError("promote needs --from and --to (or --auto)");
    const { runPromote } = await import("./promote.js");
    await runPromote({ ...options, from: options.from, to: options.to }, processIo());
  });

  writingOptions(
    release
      .command("rollback")
      .description("commit the previous image back (Argo CD auto-sync stays on) and hold the image it replaces until `release unhold`")
      .requiredOption("--env <env>", "environment to roll back")
      .option("--service <name>", "the service to roll back to its previous image")
      .option("--to <commit>", "restore every image of the environment (or of --service) as it was at this manifests commit")
      .option("--cause <why>", 'why, recorded as the Horizon-Cause trailer: canary-failed, manual or "incident <id>"', "manual"),
  ).action(async (options: RollbackOptions) => {
    const { runRollback } = await import("./rollback.js");
    await runRollback(options, processIo());
  });

  writingOptions(
    release
      .command("unhold")
      .description("lift the hold that a rollback put on an image, so set-image and promote accept it again")
      .requiredOption("--env <env>", "environment")
      .requiredOption("--service <name>", "service")
      .option("--image <ref>", "lift only the hold on this image (default: every hold of the service in the environment)"),
  ).action(async (options: UnholdOptions) => {
    const { runUnhold } = await import("./unhold.js");
    await runUnhold(options, processIo());
  });

  release
    .command("sync")
    .description("carry deploy/ of the application repository into the manifests repo as one commit, keeping what the manifests repo owns (images, version labels, holds, policy, flags)")
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .option("--from <dir>", "the application repository whose deploy/ is carried over", ".")
    .option("--source-commit <sha>", "the application commit that deploy/ is from (default: its HEAD)")
    .option("--push", "push the commit; if someone pushed first, fetch, rebase and retry (never force)")
    .option("--json", "print the outcome as JSON")
    .action(async (options: SyncOptions) => {
      const { runSync } = await import("./sync.js");
      await runSync(options, processIo());
    });

  release
    .command("history")
    .description("the audit trail: when, where, which image, from which source commit, by whom, signed or not; rollbacks marked")
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .option("--env <env>", "only this environment")
    .option("--service <name>", "only this service")
    .option("--since <when>", "how far back: 90d, 12w, 36h or a date", "90d")
    .option("--json", "print the entries as JSON")
    .action(async (options: HistoryOptions) => {
      const { runHistory } = await import("./history.js");
      await runHistory(options, processIo());
    });

  release
    .command("policy")
    .description("what promotion-policy.yaml says now: frozen or not, the next window, the images soaking with the time left")
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .requiredOption("--env <env>", "the environment images would be promoted into")
    .option("--from <env>", "where its images come from (default: the one before it: development, staging, production)")
    .option("--json", "print the state as JSON")
    .action(async (options: PolicyOptions) => {
      const { runPolicy } = await import("./policy.js");
      await runPolicy(options, processIo());
    });

  writingOptions(
    release
      .command("freeze")
      .description("stop the line: an open-ended freeze of the environment in promotion-policy.yaml, as a commit (rollbacks stay allowed)")
      .requiredOption("--env <env>", "environment to freeze")
      .requiredOption("--reason <text>", "why (shown to everyone refused, and in the commit)"),
  ).action(async (options: FreezeOptions) => {
    const { runFreeze } = await import("./freeze.js");
    await runFreeze(options, processIo());
  });

  writingOptions(
    release
      .command("unfreeze")
      .description("lift the environment's open-ended freezes, as a commit (scheduled freezes end by themselves)")
      .requiredOption("--env <env>", "environment to unfreeze"),
  ).action(async (options: FreezeOptions) => {
    const { runUnfreeze } = await import("./freeze.js");
    await runUnfreeze(options, processIo());
  });
}
