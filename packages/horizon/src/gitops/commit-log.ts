/**
 * The manifests repository's commits as ONE `git log` prints them, and which first-parent commit brought each:
 * the walk the audit trail, DORA and the dashboard share. Pure (the git call is in release-log.ts).
 * A busy manifests repository has tens of thousands of commits, so each is read in one loop, with no
 * intermediate arrays or maps per commit.
 */

/** What the audit trail says of every commit it lists. */
export interface CommitMeta {
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

/** One commit as `git log` printed it. */
export interface LoggedCommit extends Omit<CommitMeta, "landingOrder"> {
  parents: string[];
  trailers: Array<[string, string]>;
}

const FIELD = "\x1f";
const RECORD = "\x1e";
const TRAILER = "\x1d";

/** The `--format` parseLog reads; `signatures` asks for `%G?`, which runs gpg or ssh-keygen for each signed commit. */
export function logFormat(signatures: boolean): string {
  return [`${RECORD}%H`, "%P", "%cI", "%an", "%ae", signatures ? "%G?" : "?", "%s", `%(trailers:only,unfold,separator=%x1d)`].join(FIELD);
}

/** The trailers of one record, `Key: value` lines joined by TRAILER. */
function parseTrailers(text: string): Array<[string, string]> {
  const trailers: Array<[string, string]> = [];
  const block = text.trim();
  if (block === "") return trailers;
  const lines = block.split(TRAILER);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    const key = line.slice(0, colon).trim();
    if (key !== "") trailers.push([key, line.slice(colon + 1).trim()]);
  }
  return trailers;
}

/** Parses the output of `git log --format=<logFormat()>`. Pure. */
export function parseLog(stdout: string): LoggedCommit[] {
  const commits: LoggedCommit[] = [];
  const chunks = stdout.split(RECORD);
  // Indexed loops and no destructuring here and below: this runs once, before the JIT has warmed up, where
  // iterators cost (a few ms per pass over 10,000 commits).
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    if (/^\s*$/.test(chunk)) continue;
    const f = chunk.split(FIELD);
    const parents = f[1] ?? "";
    commits.push({
      commit: (f[0] ?? "").trim(),
      parents: parents === "" ? [] : parents.includes(" ") ? parents.split(" ").filter(Boolean) : [parents],
      committedAt: f[2] ?? "",
      author: f[3] ?? "",
      authorEmail: f[4] ?? "",
      signature: f[5] ?? "?",
      subject: f[6] ?? "",
      trailers: parseTrailers(f[7] ?? ""),
    });
  }
  return commits;
}

/** Where each commit landed on HEAD's first-parent line (see landings). */
export interface Landings {
  /** The first-parent commit that brought each commit: itself for one on the line, the merge for one a merge brought. */
  landedBy: Map<string, LoggedCommit>;
  /** Each first-parent commit's position on the line, oldest 0: orders changes of the same second. */
  line: Map<string, number>;
}

/**
 * The first-parent commit of HEAD's line that brought each commit: itself for a commit on the line, the merge
 * for a commit a merge brought. Input newest first (HEAD first), as `git log` prints it. Pure.
 */
export function landings(commits: readonly LoggedCommit[]): Landings {
  const byHash = new Map<string, LoggedCommit>();
  for (const c of commits) byHash.set(c.commit, c);
  const firstParents: LoggedCommit[] = [];
  for (let c: LoggedCommit | undefined = commits[0]; c; c = c.parents.length > 0 ? byHash.get(c.parents[0]) : undefined) firstParents.push(c);
  const landedBy = new Map<string, LoggedCommit>();
  const line = new Map<string, number>();
  let merges = false;
  for (let i = 0; i < firstParents.length; i++) {
    const c = firstParents[i];
    landedBy.set(c.commit, c);
    line.set(c.commit, firstParents.length - 1 - i);
    if (c.parents.length > 1) merges = true;
  }
  if (!merges) return { landedBy, line };
  // Oldest first, so a commit two merges bring belongs to the first.
  for (let i = firstParents.length - 1; i >= 0; i--) {
    const merge = firstParents[i];
    if (merge.parents.length < 2) continue;
    const stack = merge.parents.slice(1);
    for (let hash = stack.pop(); hash !== undefined; hash = stack.pop()) {
      const c = byHash.get(hash);
      if (!c || landedBy.has(hash)) continue;
      landedBy.set(hash, merge);
      stack.push(...c.parents);
    }
  }
  return { landedBy, line };
}

/** `c`'s metadata, ordered by the first-parent commit that brought it. */
export const commitMeta = (c: LoggedCommit, landing: LoggedCommit, line: ReadonlyMap<string, number>): CommitMeta => ({
  commit: c.commit,
  landingOrder: line.get(landing.commit) ?? 0,
  committedAt: c.committedAt,
  author: c.author,
  authorEmail: c.authorEmail,
  signature: c.signature,
  subject: c.subject,
});

/** A trailer key in lower case (git's keys are case-insensitive) compared without a new string for the usual spelling. */
const sameKey = (key: string, canonical: string, lower: string): boolean => key === canonical || (key.length === lower.length && key.toLowerCase() === lower);

/** The first value of a trailer (`Horizon-Environment`), keys compared case-insensitively; undefined without one. */
export function firstTrailer(c: LoggedCommit, canonical: string): string | undefined {
  const lower = canonical.toLowerCase();
  for (let i = 0; i < c.trailers.length; i++) if (sameKey(c.trailers[i][0], canonical, lower)) return c.trailers[i][1];
  return undefined;
}

/** A commit with a `Horizon-Action` trailer: horizon wrote it. */
export function isHorizonCommit(c: LoggedCommit): boolean {
  for (let i = 0; i < c.trailers.length; i++) if (sameKey(c.trailers[i][0], "Horizon-Action", "horizon-action")) return true;
  return false;
}

/** A sync (`Horizon-Action: sync`) names no services: its files say what it deployed, as a hand edit's do. */
export function isSyncCommit(c: LoggedCommit): boolean {
  for (let i = 0; i < c.trailers.length; i++) if (sameKey(c.trailers[i][0], "Horizon-Action", "horizon-action") && c.trailers[i][1].trim() === "sync") return true;
  return false;
}

/** A commit whose changed files, not its trailers, say what it deployed: a hand edit or a sync. */
export const describedByFiles = (c: LoggedCommit): boolean => !isHorizonCommit(c) || isSyncCommit(c);
