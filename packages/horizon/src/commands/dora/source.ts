import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isService, serviceName } from "../../core/changed.js";
import type { Deployment } from "../../core/dora.js";
import { parseSourceLog, releaseChains, withReleaseCommits } from "../../core/dora-source.js";
import type { PathRule } from "../../core/dora-source.js";
import { InputError } from "../../errors.js";
import { git } from "../../io/git.js";
import { assertGitRepository } from "../../gitops/repo.js";

/** Where the release commits came from, for the output. */
export interface SourceUse {
  /** The source repository read; undefined: lead time from the recorded source commit times. */
  repository?: string;
  /** The rule that gave each service its commits, in words (`git rev-list` terms). */
  rule?: string;
  /** Why there is no repository, or what was read. */
  note: string;
}

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Which of `commits` the repository at `dir` has (`git cat-file --batch-check`, one call); undefined when `dir` is no git repository. */
async function present(dir: string, commits: readonly string[]): Promise<Set<string> | undefined> {
  try {
    const { stdout } = await git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], { cwd: dir, input: `${commits.map((c) => `${c}^{commit}`).join("\n")}\n` });
    return new Set(stdout.split("\n").filter((l) => l.endsWith(" commit")).map((l) => l.split(" ")[0] ?? ""));
  } catch {
    return undefined;
  }
}

/** Whether findSourceRepository may find one: `--source` given, or the current directory in a git work tree (`.git` there or above). */
export function sourceMayBeRead(explicit: string | undefined, cwd: string): boolean {
  if (explicit !== undefined) return true;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/**
 * The source repository: `--source DIR`, else the current directory's repository when it holds the recorded
 * `Horizon-Source-Commit`s (it is the one the images were built from). Only full SHAs are looked up, so an
 * abbreviated or made-up one never matches an unrelated object.
 */
export async function findSourceRepository(explicit: string | undefined, cwd: string, deployments: readonly Deployment[], start: number): Promise<{ dir?: string; found: Set<string>; note: string }> {
  const wanted = [...new Set(deployments.filter((d) => d.deployedAt >= start && d.sourceCommit && FULL_SHA.test(d.sourceCommit)).map((d) => d.sourceCommit as string))];
  const dir = explicit === undefined ? cwd : resolve(cwd, explicit);
  if (explicit !== undefined) await assertGitRepository(dir).catch((error: unknown) => {
    throw new InputError(`--source ${explicit}: not a git repository (${(error as Error).message})`, { cause: error });
  });
  if (wanted.length === 0) return { found: new Set(), note: "no full source commit SHA recorded in the window" };
  const found = await present(dir, wanted);
  if (!found || found.size === 0) {
    const where = explicit === undefined ? "the current directory is not the repository the images were built from" : `--source ${explicit} has none of the recorded source commits`;
    return { found: new Set(), note: `${where}; pass --source DIR` };
  }
  return { dir, found, note: `${found.size} of ${wanted.length} recorded source commits found` };
}

/** The path rule from the source repository's workspaces at `ref`: horizon's changed-only build rule when they name the services. */
async function pathRule(dir: string, ref: string, services: ReadonlySet<string>): Promise<PathRule> {
  // Loaded here: only a source repository that is read needs it (and its glob matcher), not every `horizon dora`.
  const { readWorkspaces } = await import("../shared/workspaces.js");
  try {
    const workspaces = await readWorkspaces(ref, dir);
    if (workspaces.some((w) => isService(w) && services.has(serviceName(w)))) return { kind: "affected", workspaces };
  } catch {
    // No workspaces: the layout does not say which paths build which service.
  }
  return { kind: "all" };
}

/**
 * Every commit each deployment brought, from ONE `git log` over the source repository (all services together):
 * from the window's source commits back to the oldest source commit deployed before the window (its parents
 * excluded). Returns the deployments with `changes` and what was done.
 */
export async function readReleaseCommits(dir: string, deployments: readonly Deployment[], start: number, found: ReadonlySet<string>): Promise<{ deployments: Deployment[]; use: SourceUse }> {
  const chains = [...releaseChains(deployments, start).values()];
  const tips = [...new Set(chains.flatMap((c) => c.chain.map((d) => d.sourceCommit as string)).filter((c) => found.has(c)))];
  const bases = chains.map((c) => c.previous).filter((d): d is Deployment => d !== undefined && d.sourceCommit !== undefined && FULL_SHA.test(d.sourceCommit));
  const oldest = bases.sort((a, b) => (a.sourceTime ?? a.deployedAt) - (b.sourceTime ?? b.deployedAt))[0]?.sourceCommit;
  const known = oldest ? await present(dir, [oldest]) : undefined;
  const args = ["-c", "core.quotePath=false", "log", "--format=%x1e%H %P %ct", "--name-only", "--no-renames", ...tips, ...(oldest && known?.has(oldest) ? [...bases.map((b) => b.sourceCommit as string).filter((c) => c === oldest), "--not", `${oldest}^@`] : [])];
  const graph = parseSourceLog((await git(args, { cwd: dir })).stdout);
  const rule = await pathRule(dir, tips[tips.length - 1] ?? "HEAD", new Set(deployments.map((d) => d.service)));
  const ruleText =
    rule.kind === "affected"
      ? "git rev-list <new> --not <earlier deployments' source commits>, keeping the commits whose files affect the service's build (its folder, a workspace it depends on, shared files; not docs or deploy/)"
      : "git rev-list <new> --not <earlier deployments' source commits>, every commit (no workspaces say which paths build which service)";
  return { deployments: withReleaseCommits(deployments, graph, rule, start), use: { repository: dir, rule: ruleText, note: `${found.size} source commits found` } };
}
