import { InputError } from "../../errors.js";
import { git, GitError, gitText } from "../../io/git.js";

/** GitHub's `before` on the first push of a branch: there is no base to compare with. */
export const NO_BASE = /^0{40}$|^0{64}$/;

export async function repositoryRoot(cwd: string): Promise<string> {
  try {
    return await gitText(["rev-parse", "--show-toplevel"], { cwd });
  } catch (error) {
    if (error instanceof GitError) throw new InputError(`${cwd} is not inside a git repository`, { cause: error });
    throw error;
  }
}

export async function resolveCommit(ref: string, cwd: string, flag: string): Promise<string> {
  try {
    return await gitText(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], { cwd });
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new InputError(`${flag} ${ref}: no such commit in this repository (in a shallow CI clone, fetch it first: git fetch --depth=1 origin ${ref})`, { cause: error });
  }
}

/**
 * Files changed on head's side since it forked from base (`base...head`).
 * Without a common ancestor (unrelated or cut-off shallow history) the two
 * trees are compared directly.
 */
export async function changedFiles(base: string, head: string, cwd: string, warn: (text: string) => void): Promise<string[]> {
  let from = base;
  try {
    from = await gitText(["merge-base", base, head], { cwd });
  } catch (error) {
    if (!(error instanceof GitError) || error.exitStatus !== 1) throw error;
    warn(`horizon: ${base} and ${head} have no common ancestor here (unrelated or shallow history); comparing the two trees directly\n`);
  }
  const { stdout } = await git(["diff", "--name-only", "--no-renames", "-z", from, head, "--"], { cwd });
  return stdout.split("\0").filter(Boolean);
}
