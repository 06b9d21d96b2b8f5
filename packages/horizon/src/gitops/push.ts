import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay } from "@blessed-horizon/contracts/backoff";
import { ExternalError, InputError } from "../errors.js";
import { git, gitText, GitError } from "../io/git.js";

interface PushOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** Base of the exponential backoff, in milliseconds; each wait is jittered. */
  backoffMs?: number;
  /** Runs after each rebase, before pushing again: re-checks what may have changed upstream (a new hold). Throwing stops the push. */
  afterRebase?: () => Promise<void> | void;
}

export interface PushResult {
  remote: string;
  branch: string;
  attempts: number;
}

/** Someone else pushed first (or is pushing right now): fetch, rebase, try again. */
function isRaceRejection(error: unknown): boolean {
  return (
    error instanceof GitError &&
    /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|incorrect old value|\[remote rejected\].*(?:lock|shallow update)/i.test(
      error.stderr,
    )
  );
}

async function upstream(root: string): Promise<{ remote: string; branch: string }> {
  const branch = await gitText(["symbolic-ref", "--short", "HEAD"], { cwd: root }).catch(() => "");
  if (!branch) throw new InputError(`${root} is on a detached HEAD; check out the branch to push`);
  const remote = await gitText(["config", "--get", `branch.${branch}.remote`], { cwd: root }).catch(() => "origin");
  const merge = await gitText(["config", "--get", `branch.${branch}.merge`], { cwd: root }).catch(() => `refs/heads/${branch}`);
  return { remote, branch: merge.replace(/^refs\/heads\//, "") };
}

/**
 * Pushes HEAD to its upstream branch. When the push is rejected because
 * another run pushed first, fetches, rebases the local commits onto the
 * remote branch and tries again: bounded attempts, exponential backoff with
 * full jitter so racing runs spread out. Never forces.
 */
export async function pushWithRetry(root: string, options: PushOptions = {}): Promise<PushResult> {
  const attempts = options.attempts ?? 20;
  const backoff = options.backoffMs ?? 50;
  const { remote, branch } = await upstream(root);
  for (let attempt = 1; ; attempt++) {
    try {
      await git(["push", "--quiet", remote, `HEAD:refs/heads/${branch}`], { cwd: root });
      return { remote, branch, attempts: attempt };
    } catch (error) {
      if (!isRaceRejection(error)) throw error;
      if (attempt >= attempts) {
        throw new ExternalError(`push to ${remote} ${branch} was still rejected after ${attempts} attempts; run the command again`, {
          cause: error,
        });
      }
    }
    await sleep(backoffDelay(attempt + 1, { jitter: "full", baseMs: backoff, capMs: 2000 }));
    await git(["fetch", "--quiet", remote, branch], { cwd: root });
    try {
      await git(["rebase", "--quiet", "FETCH_HEAD"], { cwd: root });
    } catch (error) {
      await git(["rebase", "--abort"], { cwd: root }).catch(() => undefined);
      throw new ExternalError(
        `could not rebase onto ${remote}/${branch}: someone changed the same lines; the local commit is kept, resolve and push by hand`,
        { cause: error },
      );
    }
    await options.afterRebase?.();
  }
}
