import { needsLayout } from "../core/history.js";
import type { ManifestsLayout } from "../core/history.js";
import { gitOutput } from "../io/git.js";
import { commitMeta, environmentOf, isHorizonCommit, landings, logFormat, parseLog } from "./commit-log.js";
import type { CommitMeta, Landings, LoggedCommit } from "./commit-log.js";
import { listEnvironments, listServices } from "./layout.js";
import { parseReleaseTrailers } from "./trailers.js";
import type { ReleaseTrailers } from "./trailers.js";
import { changedFiles, changesOf, commitsToDiff, readTargetManifests, unmanagedTargets } from "./unmanaged.js";
import type { UnmanagedChange } from "./unmanaged.js";

export { landings } from "./commit-log.js";
export type { LoggedCommit } from "./commit-log.js";
export type { UnmanagedChange } from "./unmanaged.js";

/** A release commit of the manifests repository, as the audit trail and DORA read it. */
export interface ReleaseRecord extends ReleaseTrailers, CommitMeta {
  /**
   * When the change reached main, ISO 8601: the committer time of the first-parent commit that brought it
   * (the merge commit of a pull request merged with one; the commit itself otherwise). Deploy time.
   */
  landedAt: string;
  /** That first-parent commit. */
  landedBy: string;
}

interface ReadHistoryOptions {
  /** Only commits that reached main at or after this time. */
  since?: Date;
  until?: Date;
  /** Check signatures (`%G?`): runs gpg/ssh-keygen for signed commits, so it costs time. */
  signatures?: boolean;
}

/** Pull requests open longer than this before their merge lose their trailers to `--since`. */
const SINCE_SLACK_MS = 60 * 86_400_000;
/** Commits turned into records between two looks at git's answers (see releasesWhileGitWorks). */
const SLICE = 2_000;

/** `git log` over every commit reachable from HEAD (a busy manifests repo has tens of thousands): trailers and parents, no diffs. */
function logArgs(options: ReadHistoryOptions): string[] {
  const args = ["log", `--format=${logFormat(options.signatures === true)}`];
  // A merge's commits may be older than the merge: read further back, and filter by landing time.
  if (options.since) args.push(`--since=${new Date(options.since.getTime() - SINCE_SLACK_MS).toISOString()}`);
  return args;
}

/**
 * Every commit reachable from HEAD, newest first, in ONE `git log`. Read from a file git writes, not a pipe:
 * through a pipe git writes a piece per commit or few, and node's CPU time for reading them was 1.5-2x.
 */
async function readLog(root: string, options: ReadHistoryOptions): Promise<LoggedCommit[]> {
  return parseLog(await gitOutput(logArgs(options), { cwd: root }));
}

/** The commits that reached main in the window (by their landing's time), newest first. */
function inWindow(commits: readonly LoggedCommit[], { landedBy }: Landings, options: ReadHistoryOptions): LoggedCommit[] {
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const windowed = options.since !== undefined || options.until !== undefined;
  return commits.filter((c) => {
    const landing = landedBy.get(c.commit);
    if (!landing) return false;
    if (!windowed) return true;
    const t = Date.parse(landing.committedAt);
    return t >= since && t <= until;
  });
}

/** Adds the release records of `commits` to `records`; with `environment`, only that environment's (the others' trailers are not parsed). */
function collectReleases(records: ReleaseRecord[], commits: readonly LoggedCommit[], { landedBy, line }: Landings, environment?: string): void {
  for (const c of commits) {
    const landing = landedBy.get(c.commit);
    if (!landing || !isHorizonCommit(c) || (environment !== undefined && environmentOf(c) !== environment)) continue;
    const release = parseReleaseTrailers(c.trailers);
    if (!release || release.action === "sync") continue;
    records.push(Object.assign(commitMeta(c, landing, line), release, { landedAt: landing.committedAt, landedBy: landing.commit }));
  }
}

/** Oldest landing first; the commits of one merge in their own order. Input newest first. */
const oldestFirst = (records: ReleaseRecord[]): ReleaseRecord[] => records.reverse().sort((a, b) => a.landingOrder - b.landingOrder);

/**
 * collectReleases in slices, looking at git's answers between two: the diff-tree's answer is taken up, and
 * cat-file given its question, while the records are still being made.
 */
async function releasesWhileGitWorks(commits: readonly LoggedCommit[], landed: Landings, environment?: string): Promise<ReleaseRecord[]> {
  const records: ReleaseRecord[] = [];
  for (let i = 0; i < commits.length; i += SLICE) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    collectReleases(records, commits.slice(i, i + SLICE), landed, environment);
  }
  return oldestFirst(records);
}

/** Every release commit reachable from HEAD, oldest landing first, dated by when it reached main. */
export async function readReleaseHistory(root: string, options: ReadHistoryOptions = {}): Promise<ReleaseRecord[]> {
  const commits = await readLog(root, options);
  const landed = landings(commits);
  const records: ReleaseRecord[] = [];
  collectReleases(records, inWindow(commits, landed, options), landed);
  return oldestFirst(records);
}

/** The environments and services of the working tree: what an environment-wide change deploys. */
function layoutOf(root: string): ManifestsLayout {
  return new Map(listEnvironments(root).map((env) => [env, new Set(listServices(root, env))]));
}

interface AuditTrailOptions {
  /** Only this environment's records and unmanaged changes (the others' trailers are not parsed, their images not read). */
  environment?: string;
  /** Also the committer time of the oldest commit read (without `since`: the repository's first). */
  oldest?: boolean;
}

interface AuditTrail {
  releases: ReleaseRecord[];
  unmanaged: UnmanagedChange[];
  /** With `oldest`: the oldest committer time among the commits read, epoch ms; undefined for none. */
  oldestCommitTime?: number;
}

/** The oldest committer time of `commits`, epoch ms. */
function oldestTime(commits: readonly LoggedCommit[]): number | undefined {
  let oldest: number | undefined;
  for (let i = 0; i < commits.length; i++) {
    const t = Date.parse(commits[i].committedAt);
    if (!Number.isNaN(t) && (oldest === undefined || t < oldest)) oldest = t;
  }
  return oldest;
}

/**
 * The audit trail from ONE `git log` (the only walk of the history): the release records, and every change of
 * an environment's files that no Horizon commit describes, with the image it left. Their files come from one
 * `git diff-tree --stdin` and the images from `git cat-file --batch` (one per manifest layout), for those commits only.
 */
export async function readAuditTrail(
  root: string,
  options: ReadHistoryOptions & AuditTrailOptions = {},
): Promise<AuditTrail> {
  const commits = await readLog(root, options);
  const landed = landings(commits);
  const windowed = inWindow(commits, landed, options);
  // git diffs the commits whose files tell, then reads their manifests, while node makes the release records.
  const changes = changedFiles(root, commitsToDiff(windowed, landed.landedBy)).then(async ({ files, blobs }) => {
    // The working tree's layout only where a change of an environment's own files or of base/ asks what it deploys.
    const layout = [...files.values()].some(needsLayout) ? layoutOf(root) : new Map<string, ReadonlySet<string>>();
    const targets = unmanagedTargets(windowed, landed.landedBy, files, layout).filter((t) => !options.environment || t.environment === options.environment);
    return changesOf(targets, await readTargetManifests(root, targets, blobs), landed.line);
  });
  const [releases, { syncs, unmanaged }] = await Promise.all([releasesWhileGitWorks(windowed, landed, options.environment), changes]);
  const oldest = options.oldest ? { oldestCommitTime: oldestTime(commits) } : {};
  if (syncs.length === 0) return { releases, unmanaged, ...oldest };
  return { releases: [...releases, ...syncs].sort((a, b) => a.landingOrder - b.landingOrder), unmanaged, ...oldest };
}

// Kept here for the commands that read signatures with the log.
export { isVerifiedSignature } from "../core/history.js";
