import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { pushWithRetry } from "../../gitops/push.js";
import type { PushResult } from "../../gitops/push.js";
import { gitText } from "../../io/git.js";
import { syncManifestsRepo } from "../../pipeline/manifests-repo.js";
import type { SyncResult } from "../../pipeline/manifests-repo.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";

export interface SyncOptions {
  manifests: string;
  /** The application repository whose deploy/ is carried over. */
  from: string;
  sourceCommit?: string;
  push?: boolean;
  json?: boolean;
}

interface SyncOutcome extends SyncResult {
  status: "committed" | "unchanged";
  sourceCommit: string;
  push?: PushResult;
}

const SHA = /^[0-9a-f]{7,40}$/;

async function sourceCommitOf(source: string, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    if (!SHA.test(given)) throw new InputError(`--source-commit "${given}" is not a commit hash (7 to 40 lowercase hex digits)`);
    return given;
  }
  const head = await gitText(["rev-parse", "HEAD"], { cwd: source }).catch(() => "");
  if (!SHA.test(head)) throw new InputError(`${source} is not a git repository with a commit: pass --source-commit <sha>, the commit whose deploy/ this is`);
  return head;
}

/**
 * `horizon release sync`: carries deploy/ of the application repository into
 * the manifests repo as one commit (`Horizon-Action: sync`), keeping what the
 * manifests repo owns: images, promoted version labels, holds, policy, flags
 * (CONTRACTS.md, "Who owns what"). The only way base/, environment config,
 * argocd/ and monitoring/ changes reach the repository Argo CD watches.
 */
// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function runSync(options: SyncOptions, context: CommandContext): Promise<SyncOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  const source = resolve(context.cwd, options.from);
  if (!existsSync(join(source, "deploy"))) throw new InputError(`${source} has no deploy/ folder: --from names the application repository whose deploy/ is carried over`);
  const sourceCommit = await sourceCommitOf(source, options.sourceCommit);
  const result = await syncManifestsRepo(source, root, sourceCommit);
  const outcome: SyncOutcome = { status: result.commit ? "committed" : "unchanged", sourceCommit, ...result };
  if (result.commit && options.push) outcome.push = await pushWithRetry(root);
  if (options.json) context.write(`${JSON.stringify(outcome, null, 2)}\n`);
  else if (!result.commit) context.write(`nothing to sync: the manifests repository already has deploy/ of ${sourceCommit.slice(0, 12)}\n`);
  else {
    const files = result.changed.length + result.removed.length;
    const pushed = outcome.push ? `; pushed to ${outcome.push.remote} ${outcome.push.branch} (attempt ${outcome.push.attempts})` : "";
    context.write(`committed ${result.commit.slice(0, 12)} sync of deploy/ ${sourceCommit.slice(0, 12)} (${files} ${files === 1 ? "file" : "files"})${pushed}\n`);
  }
  return outcome;
}
