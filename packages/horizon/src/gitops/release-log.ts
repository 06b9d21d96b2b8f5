import { deploymentTargets, targetKey } from "../core/history.js";
import type { ManifestsLayout } from "../core/history.js";
import { git, gitOutput } from "../io/git.js";
import { readImage } from "./image-read.js";
import { listEnvironments, listServices } from "./layout.js";
import { parseReleaseTrailers } from "./trailers.js";
import type { ReleaseTrailers } from "./trailers.js";

interface CommitMeta {
  commit: string;
  /** Committer time, ISO 8601. */
  committedAt: string;
  /** Position of the first-parent commit that brought it on main's line, oldest first: orders changes of the same second. */
  landingOrder: number;
  author: string;
  authorEmail: string;
  /** git's `%G?`: G good, U good but untrusted key, N none, B bad, ...; "?" when not checked. */
  signature: string;
  subject: string;
}

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

/** A change of one service in one environment by a commit without Horizon trailers (hand edits, PRs horizon did not write). */
export interface UnmanagedChange extends CommitMeta {
  environment: string;
  service: string;
  /** The image the service runs after the commit; undefined when the commit removed its manifest. */
  image?: string;
  previousImage?: string;
}

export interface ReadHistoryOptions {
  /** Only commits that reached main at or after this time. */
  since?: Date;
  until?: Date;
  /** Check signatures (`%G?`): runs gpg/ssh-keygen for signed commits, so it costs time. */
  signatures?: boolean;
}

/** One commit as `git log` printed it. */
export interface LoggedCommit extends Omit<CommitMeta, "landingOrder"> {
  parents: string[];
  trailers: Array<[string, string]>;
}

/** Files each commit changed against its first parent (a merge: all it brought), relative to the manifests root. */
export type ChangedFiles = ReadonlyMap<string, readonly string[]>;

const FIELD = "\x1f";
const RECORD = "\x1e";
const TRAILER = "\x1d";
/** Pull requests open longer than this before their merge lose their trailers to `--since`. */
const SINCE_SLACK_MS = 60 * 86_400_000;

/**
 * Every commit reachable from HEAD, newest first, in ONE `git log` call (a busy manifests repo has tens of
 * thousands): trailers and parents, no diffs (those cost more than the walk; `changedFiles` reads the few needed).
 */
async function readLog(root: string, options: ReadHistoryOptions): Promise<LoggedCommit[]> {
  const format = [`${RECORD}%H`, "%P", "%cI", "%an", "%ae", options.signatures ? "%G?" : "?", "%s", `%(trailers:only,unfold,separator=%x1d)`].join(FIELD);
  const args = ["log", `--format=${format}`];
  // A merge's commits may be older than the merge: read further back, and filter by landing time.
  if (options.since) args.push(`--since=${new Date(options.since.getTime() - SINCE_SLACK_MS).toISOString()}`);
  return parseLog(await gitOutput(args, { cwd: root }));
}

/** The files the given commits changed, in one `git diff-tree --stdin` (no history walk: only these commits). */
async function changedFiles(root: string, commits: readonly string[]): Promise<ChangedFiles> {
  const files = new Map<string, string[]>();
  if (commits.length === 0) return files;
  const args = ["-c", "core.quotePath=false", "diff-tree", "--stdin", `--format=${RECORD}%H`, "--name-only", "-r", "--root", "--no-renames", "--diff-merges=first-parent", "--relative"];
  const { stdout } = await git(args, { cwd: root, input: `${commits.join("\n")}\n` });
  for (const chunk of stdout.split(RECORD)) {
    const [commit = "", ...paths] = chunk.split("\n").filter((l) => l.trim() !== "");
    if (commit) files.set(commit, paths);
  }
  return files;
}

/** Parses the output of the `git log` format above. Pure. */
export function parseLog(stdout: string): LoggedCommit[] {
  const commits: LoggedCommit[] = [];
  for (const chunk of stdout.split(RECORD)) {
    if (/^\s*$/.test(chunk)) continue;
    const [commit = "", parents = "", committedAt = "", author = "", authorEmail = "", signature = "?", subject = "", trailerText = ""] = chunk.split(FIELD);
    // One loop, no intermediate arrays: 10,000 commits of a few trailers each.
    const trailers: Array<[string, string]> = [];
    for (const line of trailerText.trim().split(TRAILER)) {
      const colon = line.indexOf(":");
      const key = line.slice(0, colon).trim();
      if (key !== "") trailers.push([key, line.slice(colon + 1).trim()]);
    }
    commits.push({ commit: commit.trim(), parents: parents.split(" ").filter(Boolean), committedAt, author, authorEmail, signature, subject, trailers });
  }
  return commits;
}

/**
 * The first-parent commit of HEAD's line that brought each commit: itself for a commit on the line, the merge
 * for a commit a merge brought. Input newest first (HEAD first), as `git log` prints it. Pure.
 */
export function landings(commits: readonly LoggedCommit[]): { landedBy: Map<string, LoggedCommit>; line: Map<string, number> } {
  const byHash = new Map<string, LoggedCommit>();
  for (const c of commits) byHash.set(c.commit, c);
  const line: LoggedCommit[] = [];
  for (let c: LoggedCommit | undefined = commits[0]; c; c = byHash.get(c.parents[0] ?? "")) line.push(c);
  const landedBy = new Map<string, LoggedCommit>(line.map((c) => [c.commit, c]));
  // Oldest first, so a commit two merges bring belongs to the first.
  for (let i = line.length - 1; i >= 0; i--) {
    const merge = line[i];
    if (merge.parents.length < 2) continue;
    const stack = merge.parents.slice(1);
    for (let hash = stack.pop(); hash !== undefined; hash = stack.pop()) {
      const c = byHash.get(hash);
      if (!c || landedBy.has(hash)) continue;
      landedBy.set(hash, merge);
      stack.push(...c.parents);
    }
  }
  return { landedBy, line: new Map(line.map((c, i) => [c.commit, line.length - 1 - i])) };
}

/** What a commit's `Horizon-Action` trailers make it, worked out once per commit (the audit trail asks several times). */
const actionKinds = new WeakMap<LoggedCommit, { horizon: boolean; sync: boolean }>();
function actionKind(c: LoggedCommit): { horizon: boolean; sync: boolean } {
  let kind = actionKinds.get(c);
  if (!kind) {
    kind = { horizon: false, sync: false };
    for (const [k, v] of c.trailers) {
      if (k.toLowerCase() !== "horizon-action") continue;
      kind.horizon = true;
      if (v.trim() === "sync") kind.sync = true;
    }
    actionKinds.set(c, kind);
  }
  return kind;
}
const isHorizonCommit = (c: LoggedCommit): boolean => actionKind(c).horizon;
/** A sync (`Horizon-Action: sync`) names no services: its files say what it deployed, as a hand edit's do. */
const isSyncCommit = (c: LoggedCommit): boolean => actionKind(c).sync;
const describedByFiles = (c: LoggedCommit): boolean => !isHorizonCommit(c) || isSyncCommit(c);
const meta = (c: LoggedCommit, landing: LoggedCommit, line: ReadonlyMap<string, number>): CommitMeta => ({
  commit: c.commit,
  landingOrder: line.get(landing.commit) ?? 0,
  committedAt: c.committedAt,
  author: c.author,
  authorEmail: c.authorEmail,
  signature: c.signature,
  subject: c.subject,
});

/** Parsed times, by the text git printed (the same landing is asked about for each commit it brought, thrice). */
const parsedTimes = new Map<string, number>();
function inRange(time: string, options: ReadHistoryOptions): boolean {
  if (!options.since && !options.until) return true;
  let t = parsedTimes.get(time);
  if (t === undefined) {
    if (parsedTimes.size > 100_000) parsedTimes.clear();
    t = Date.parse(time);
    parsedTimes.set(time, t);
  }
  return (!options.since || t >= options.since.getTime()) && (!options.until || t <= options.until.getTime());
}

function releasesOf(commits: readonly LoggedCommit[], { landedBy, line }: ReturnType<typeof landings>, options: ReadHistoryOptions): ReleaseRecord[] {
  const records: ReleaseRecord[] = [];
  for (const c of commits) {
    const landing = landedBy.get(c.commit);
    // The window first: the log reads 60 days before it, and parsing trailers is the costly part.
    if (!landing || !inRange(landing.committedAt, options) || !isHorizonCommit(c)) continue;
    const release = parseReleaseTrailers(c.trailers);
    if (!release || release.action === "sync") continue;
    records.push(Object.assign(meta(c, landing, line), release, { landedAt: landing.committedAt, landedBy: landing.commit }));
  }
  // Oldest landing first; the commits of one merge in their own order.
  return records.reverse().sort((a, b) => a.landingOrder - b.landingOrder);
}

/** Every release commit reachable from HEAD, oldest landing first, dated by when it reached main. */
export async function readReleaseHistory(root: string, options: ReadHistoryOptions = {}): Promise<ReleaseRecord[]> {
  const commits = await readLog(root, options);
  return releasesOf(commits, landings(commits), options);
}

/** The environments and services of the working tree: what an environment-wide change deploys. */
function layoutOf(root: string): ManifestsLayout {
  return new Map(listEnvironments(root).map((env) => [env, new Set(listServices(root, env))]));
}

/**
 * The commits whose files say what they deployed: those on main's line without Horizon trailers (a merge among
 * them), and the Horizon commits a merge brought. A Horizon commit on main's line is described by its trailers.
 */
export function commitsToDiff(commits: readonly LoggedCommit[], landedBy: Map<string, LoggedCommit>): string[] {
  const merges = new Set(commits.filter((c) => landedBy.get(c.commit) === c && c.parents.length > 1 && !isHorizonCommit(c)).map((c) => c.commit));
  return commits
    .filter((c) => {
      const landing = landedBy.get(c.commit);
      if (!landing) return false;
      return landing === c ? describedByFiles(c) : isHorizonCommit(c) && merges.has(landing.commit);
    })
    .map((c) => c.commit);
}

/** What each first-parent commit without Horizon trailers changed that no Horizon commit it brought describes. Pure. */
export function unmanagedTargets(
  commits: readonly LoggedCommit[],
  landedBy: Map<string, LoggedCommit>,
  files: ChangedFiles,
  layout: ManifestsLayout,
): Array<{ landing: LoggedCommit; environment: string; service: string }> {
  const covered = new Map<string, Set<string>>();
  for (const c of commits) {
    const landing = landedBy.get(c.commit);
    if (!landing || landing === c || !isHorizonCommit(c)) continue;
    const keys = covered.get(landing.commit) ?? new Set<string>();
    for (const t of deploymentTargets(files.get(c.commit) ?? [], layout)) keys.add(targetKey(t));
    const release = parseReleaseTrailers(c.trailers);
    for (const s of release?.services ?? []) keys.add(targetKey({ environment: release?.environment ?? "", service: s.service }));
    covered.set(landing.commit, keys);
  }
  return commits
    .filter((c) => landedBy.get(c.commit) === c && describedByFiles(c))
    .flatMap((landing) =>
      deploymentTargets(files.get(landing.commit) ?? [], layout)
        .filter((t) => !covered.get(landing.commit)?.has(targetKey(t)))
        .map((t) => ({ landing, ...t })),
    );
}

/** `git cat-file --batch` answers, by the object names asked (`<rev>:<path>`); undefined for a missing object. */
async function readObjects(root: string, names: readonly string[]): Promise<Map<string, string | undefined>> {
  const found = new Map<string, string | undefined>();
  if (names.length === 0) return found;
  const { stdout } = await git(["cat-file", "--batch"], { cwd: root, input: `${names.join("\n")}\n` });
  const bytes = Buffer.from(stdout, "utf8");
  let at = 0;
  for (const name of names) {
    const eol = bytes.indexOf(10, at);
    const header = bytes.subarray(at, eol).toString("utf8");
    at = eol + 1;
    if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
      found.set(name, undefined);
      continue;
    }
    const size = Number(header.split(" ")[2]);
    found.set(name, bytes.subarray(at, at + size).toString("utf8"));
    at += size + 1;
  }
  return found;
}

const LAYOUTS = [
  ["kustomize", "kustomization.yaml"],
  ["plain", "deployment.yaml"],
] as const;

/** The image a service's manifest at `rev` deploys; undefined when it has none there. */
async function imageAt(objects: Map<string, string | undefined>, rev: string | undefined, environment: string, service: string): Promise<{ exists: boolean; image?: string }> {
  if (rev === undefined) return { exists: false };
  for (const [layout, name] of LAYOUTS) {
    const file = `environments/${environment}/${service}/${name}`;
    const source = objects.get(`${rev}:./${file}`);
    if (source === undefined) continue;
    try {
      return { exists: true, image: await readImage({ layout, file, source, service }) };
    } catch {
      return { exists: true };
    }
  }
  return { exists: false };
}

/**
 * The audit trail from ONE `git log` (the only walk of the history): the release records, and every change of
 * an environment's files that no Horizon commit describes, with the image it left. Their files come from one
 * `git diff-tree --stdin` and the images from one `git cat-file --batch`, both for those commits only.
 */
export async function readAuditTrail(
  root: string,
  options: ReadHistoryOptions & { /** Only this environment's unmanaged changes (reading images costs). */ environment?: string } = {},
): Promise<{ releases: ReleaseRecord[]; unmanaged: UnmanagedChange[] }> {
  // The working tree's layout is read while git walks the history.
  const [commits, layout] = await Promise.all([readLog(root, options), Promise.resolve().then(() => layoutOf(root))]);
  const landed = landings(commits);
  const inWindow = commits.filter((c) => inRange(landed.landedBy.get(c.commit)?.committedAt ?? "", options));
  // The release records are made while git diffs the commits whose files are needed (git runs beside node).
  const [files, releases] = await Promise.all([changedFiles(root, commitsToDiff(inWindow, landed.landedBy)), Promise.resolve().then(() => releasesOf(commits, landed, options))]);
  const targets = unmanagedTargets(inWindow, landed.landedBy, files, layout).filter(
    (t) => inRange(t.landing.committedAt, options) && (!options.environment || t.environment === options.environment),
  );
  // Each layout's file where the one before it is missing: kustomization.yaml for every target first, then
  // deployment.yaml only where there was none (half the lookups on a kustomize repository).
  let wanted = [
    ...new Set(
      targets.flatMap((t) =>
        [t.landing.commit, t.landing.parents[0]].filter((r): r is string => r !== undefined).map((rev) => `${rev}:./environments/${t.environment}/${t.service}/${LAYOUTS[0][1]}`),
      ),
    ),
  ];
  const objects = new Map<string, string | undefined>();
  for (const [i, [, name]] of LAYOUTS.entries()) {
    if (i > 0) wanted = wanted.filter((n) => objects.get(n) === undefined).map((n) => `${n.slice(0, n.lastIndexOf("/") + 1)}${name}`);
    for (const [n, source] of await readObjects(root, wanted)) objects.set(n, source);
  }
  const unmanaged: UnmanagedChange[] = [];
  const syncs = new Map<string, ReleaseRecord>();
  const order = (t: (typeof targets)[number]): number => landed.line.get(t.landing.commit) ?? 0;
  // Oldest landing first, as the releases are; within one, the environments' and services' order.
  for (const t of [...targets].sort((a, b) => order(a) - order(b))) {
    const after = await imageAt(objects, t.landing.commit, t.environment, t.service);
    const before = await imageAt(objects, t.landing.parents[0], t.environment, t.service);
    // Neither before nor after: no such service then (an environment-wide change names today's services).
    if (!after.exists && !before.exists) continue;
    if (isSyncCommit(t.landing)) {
      // One record per environment the sync touched, listing the services whose files it changed.
      const key = `${t.landing.commit} ${t.environment}`;
      const trailers = parseReleaseTrailers(t.landing.trailers);
      const record: ReleaseRecord = syncs.get(key) ?? {
        ...meta(t.landing, t.landing, landed.line),
        action: "sync" as const,
        rollsBack: [],
        ...(trailers?.breakGlass ? { breakGlass: trailers.breakGlass } : {}),
        environment: t.environment,
        services: [],
        landedAt: t.landing.committedAt,
        landedBy: t.landing.commit,
      };
      const deployCommit = syncSourceCommit(t.landing);
      record.services.push({ service: t.service, image: after.image ?? "", ...(before.image ? { previousImage: before.image } : {}), ...(deployCommit ? { sourceCommit: deployCommit } : {}) });
      syncs.set(key, record);
      continue;
    }
    unmanaged.push({
      ...meta(t.landing, t.landing, landed.line),
      environment: t.environment,
      service: t.service,
      ...(after.image ? { image: after.image } : {}),
      ...(before.image ? { previousImage: before.image } : {}),
    });
  }
  if (syncs.size > 0) releases.push(...syncs.values());
  return { releases: syncs.size > 0 ? releases.sort((a, b) => a.landingOrder - b.landingOrder) : releases, unmanaged };
}

/** A sync's `Horizon-Source-Commit: deploy <sha>`: the monorepo commit whose deploy/ it carried. */
function syncSourceCommit(c: LoggedCommit): string | undefined {
  const value = c.trailers.find(([k, v]) => k.toLowerCase() === "horizon-source-commit" && v.startsWith("deploy "))?.[1];
  return value?.slice("deploy ".length).trim() || undefined;
}

// Kept here for the commands that read signatures with the log.
export { isVerifiedSignature } from "../core/history.js";
