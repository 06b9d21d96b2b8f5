import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../errors.js";
import type { FileEdit } from "../core/release-plan.js";
import { git, gitText, GitError } from "../io/git.js";


export async function assertGitRepository(root: string): Promise<void> {
  if (!existsSync(root)) throw new InputError(`manifests directory ${root} does not exist`);
  try {
    await gitText(["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: root });
  } catch (error) {
    throw new InputError(`${root} is not a git repository with at least one commit`, { cause: error });
  }
}

/**
 * The manifests repository must be a git work tree with nothing uncommitted, or a release could sweep up a stranger's edit.
 * One `git status` says both (a release makes one git call fewer): `--branch` heads it with `## No commits yet on
 * <branch>` before the first commit (older git: `## Initial commit on`), the other lines are what is uncommitted.
 */
export async function assertCleanRepository(root: string): Promise<void> {
  if (!existsSync(root)) throw new InputError(`manifests directory ${root} does not exist`);
  const notRepository = `${root} is not a git repository with at least one commit`;
  let status: string;
  try {
    status = (await git(["status", "--porcelain", "--branch", "--untracked-files=all", "--", "."], { cwd: root })).stdout;
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new InputError(notRepository, { cause: error });
  }
  const [branch = "", ...lines] = status.split("\n").filter((l) => l !== "");
  if (/^## (No commits yet|Initial commit) on /.test(branch)) throw new InputError(notRepository);
  if (lines.length > 0) {
    const files = lines.map((l) => l.slice(3));
    throw new InputError(
      `the manifests repository ${root} has uncommitted changes (${files.slice(0, 5).join(", ")}${files.length > 5 ? ", ..." : ""}); commit or discard them first`,
    );
  }
}

/** Reads a repository file as it is now; undefined when it does not exist. */
export function readRepoFile(root: string, path: string): string | undefined {
  const full = join(root, path);
  return existsSync(full) ? readFileSync(full, "utf8") : undefined;
}

/** A file as it was at `commit`; undefined when it did not exist there. */
export async function showFileAt(root: string, commit: string, path: string): Promise<string | undefined> {
  try {
    // `./` makes the path relative to the manifests folder, which may sit inside a bigger repository.
    return (await git(["show", `${commit}:./${path}`], { cwd: root })).stdout;
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/** Resolves a commit-ish to a full SHA; exit 2 when it names no commit. */
export async function resolveCommit(root: string, rev: string): Promise<string> {
  try {
    return await gitText(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], { cwd: root });
  } catch (error) {
    throw new InputError(`"${rev}" is not a commit of ${root}`, { cause: error });
  }
}

/**
 * Writes the edits, removes `deletions` (tracked files), and commits both
 * with `message` through the git CLI (the user's identity, signing and hooks
 * apply). If anything fails, every file is put back as it was and nothing
 * stays staged. Returns the new commit's SHA.
 */
export async function commitEdits(root: string, edits: readonly FileEdit[], message: string, deletions: readonly string[] = []): Promise<string> {
  const paths = [...edits.map((e) => e.path), ...deletions];
  try {
    for (const e of edits) {
      mkdirSync(dirname(join(root, e.path)), { recursive: true });
      writeFileSync(join(root, e.path), e.after);
    }
    for (const path of deletions) rmSync(join(root, path));
    await git(["add", "--all", "--", ...paths], { cwd: root });
    await git(["commit", "--quiet", "--file=-", "--", ...paths], { cwd: root, input: message });
  } catch (error) {
    for (const e of edits) {
      if (e.before === undefined) rmSync(join(root, e.path), { force: true });
      else writeFileSync(join(root, e.path), e.before);
    }
    await git(["reset", "--quiet", "--", ...paths], { cwd: root }).catch(() => undefined);
    if (deletions.length) await git(["checkout", "--quiet", "HEAD", "--", ...deletions], { cwd: root }).catch(() => undefined);
    throw error;
  }
  return gitText(["rev-parse", "HEAD"], { cwd: root });
}
