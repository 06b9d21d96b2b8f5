import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git, gitText } from "../io/git.js";

/**
 * The working tree as a git tree object — tracked, modified and untracked
 * files, minus what .gitignore excludes — without touching the user's index,
 * branch or files. Two snapshots diff like two commits, so "what changed
 * since the last green run" includes uncommitted work.
 */
export async function snapshotWorkingTree(root: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-index-"));
  const index = join(dir, "index");
  try {
    const gitDir = await gitText(["rev-parse", "--absolute-git-dir"], { cwd: root });
    // Starting from the real index keeps git's stat cache: only changed files are hashed.
    await copyFile(join(gitDir, "index"), index).catch(() => undefined);
    const env = { GIT_INDEX_FILE: index };
    await git(["add", "--all", "--", "."], { cwd: root, env });
    return await gitText(["write-tree"], { cwd: root, env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Paths that differ between two trees (or commits). */
export async function changedPaths(from: string, to: string, root: string): Promise<string[]> {
  const { stdout } = await git(["diff-tree", "-r", "--name-only", "--no-renames", "-z", from, to], { cwd: root });
  return stdout.split("\0").filter(Boolean);
}
