import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.js";
import { git, gitText } from "../io/git.js";

/**
 * `git bundle`: a whole repository (every ref, every object) in one file that `git clone` and `git fetch`
 * read like a remote. The backup of the manifests repo and of the application repository.
 */

interface BundleFacts {
  /** sha256 of the file, hex. */
  sha256: string;
  size: number;
  /** The commit HEAD named when the bundle was made. */
  head: string;
  /** The branch HEAD was on; null when it was detached. */
  branch: string | null;
  /** Every ref in the bundle and its commit (`git bundle list-heads`), HEAD included. */
  refs: Record<string, string>;
  /** How many commits every ref reaches. */
  commits: number;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `git bundle list-heads`: ref name to commit. */
async function bundleRefs(file: string, cwd: string): Promise<Record<string, string>> {
  const out = await gitText(["bundle", "list-heads", file], { cwd });
  return Object.fromEntries(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [commit = "", ref = ""] = line.split(" ");
        return [ref, commit];
      }),
  );
}

/**
 * Writes a bundle of every ref of `repo` (`git bundle create --all`) to `file` and checks it
 * (`git bundle verify`: complete, no prerequisites, readable), returning what the backup records.
 */
export async function createVerifiedBundle(repo: string, file: string): Promise<BundleFacts> {
  await git(["bundle", "create", "--quiet", file, "--all"], { cwd: repo });
  // verify needs a repository to run in; a bundle of --all has no prerequisites, so any repository does.
  await git(["bundle", "verify", "--quiet", file], { cwd: repo });
  const [head, branch, commits, refs, sha256, info] = await Promise.all([
    gitText(["rev-parse", "HEAD"], { cwd: repo }),
    gitText(["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: repo }).catch(() => ""),
    gitText(["rev-list", "--all", "--count"], { cwd: repo }),
    bundleRefs(file, repo),
    sha256File(file),
    stat(file),
  ]);
  return { sha256, size: info.size, head, branch: branch || null, refs, commits: Number(commits) };
}

/**
 * A work tree at `dir` (a new folder) with every ref of the bundle as it was (branches stay branches, tags
 * tags: `refs/*:refs/*`, not a clone's remote-tracking copies) and HEAD on `branch` (or detached at `head`).
 * No remote: the bundle's path means nothing after the restore.
 */
export async function restoreBundle(file: string, dir: string, head: string, branch: string | null): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(["init", "--quiet"], { cwd: dir });
  await git(["bundle", "verify", "--quiet", file], { cwd: dir });
  await git(["fetch", "--quiet", "--update-head-ok", "--no-tags", file, "refs/*:refs/*"], { cwd: dir });
  if (branch) {
    await git(["symbolic-ref", "HEAD", `refs/heads/${branch}`], { cwd: dir });
    await git(["reset", "--quiet", "--hard", "HEAD"], { cwd: dir });
  } else {
    await git(["checkout", "--quiet", "--detach", head], { cwd: dir });
  }
}

/** A folder that does not exist or is empty: a backup never mixes with, or overwrites, another. */
export function assertEmptyTarget(dir: string, flag: string): void {
  if (!existsSync(dir)) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    throw new InputError(`${flag} ${dir} is not a folder`, { cause: error });
  }
  if (entries.length > 0) throw new InputError(`${flag} ${dir} is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}): name a new or empty folder`);
}

/** Builds everything in a hidden sibling of `target`, then renames it into place: a failure leaves nothing at `target`. */
export async function writeAtomically<T>(target: string, build: (dir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  const partial = await mkdtemp(join(dirname(target), `.${basename(target)}.partial-`));
  try {
    const result = await build(partial);
    if (existsSync(target)) await rmdir(target); // empty (checked before): rename cannot replace a folder
    await rename(partial, target);
    return result;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}
