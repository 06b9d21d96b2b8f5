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
  /** `[key, value]` as git printed them. parseLog's commits parse them again on each read: see ParsedCommit. */
  readonly trailers: Array<[string, string]>;
  /** Worked out by parseLog; from `trailers` where not given. It has a `Horizon-Action` trailer: horizon wrote it. */
  readonly horizon?: boolean;
  /** It has `Horizon-Action: sync`. */
  readonly sync?: boolean;
  /** Its first `Horizon-Environment`, null for none. */
  readonly environment?: string | null;
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

/** A trailer key in lower case (git's keys are case-insensitive) compared without a new string for the usual spelling. */
const sameKey = (key: string, canonical: string, lower: string): boolean => key === canonical || (key.length === lower.length && key.toLowerCase() === lower);

/**
 * A commit of parseLog: its trailers kept as git's text and parsed when read (once, for the commits that become
 * records), what the audit trail asks of every commit worked out while parsing. The trailer pairs of 10,000
 * commits, kept, were most of what the garbage collector copied while the history was read.
 */
class ParsedCommit implements LoggedCommit {
  readonly commit: string;
  readonly parents: string[];
  readonly committedAt: string;
  readonly author: string;
  readonly authorEmail: string;
  readonly signature: string;
  readonly subject: string;
  readonly horizon: boolean = false;
  readonly sync: boolean = false;
  readonly environment: string | null = null;
  readonly #trailerText: string;

  constructor(fields: readonly string[]) {
    const parents = fields[1] ?? "";
    this.commit = (fields[0] ?? "").trim();
    this.parents = parents === "" ? [] : parents.includes(" ") ? parents.split(" ").filter(Boolean) : [parents];
    this.committedAt = fields[2] ?? "";
    this.author = fields[3] ?? "";
    this.authorEmail = fields[4] ?? "";
    this.signature = fields[5] ?? "?";
    this.subject = fields[6] ?? "";
    this.#trailerText = fields[7] ?? "";
    // The same reading of each line as parseTrailers, keeping nothing but the answers.
    const block = this.#trailerText.trim();
    const lines = block === "" ? [] : block.split(TRAILER);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(":");
      const key = line.slice(0, colon).trim();
      if (sameKey(key, "Horizon-Action", "horizon-action")) {
        this.horizon = true;
        if (line.slice(colon + 1).trim() === "sync") this.sync = true;
      } else if (this.environment === null && sameKey(key, "Horizon-Environment", "horizon-environment")) {
        this.environment = line.slice(colon + 1).trim();
      }
    }
  }

  get trailers(): Array<[string, string]> {
    return parseTrailers(this.#trailerText);
  }
}

/** Parses the output of `git log --format=<logFormat()>`. Pure. */
export function parseLog(stdout: string): LoggedCommit[] {
  const commits: LoggedCommit[] = [];
  const chunks = stdout.split(RECORD);
  // Indexed loops and no destructuring here and below: this runs once, before the JIT has warmed up, where
  // iterators cost (a few ms per pass over 10,000 commits).
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    if (!/^\s*$/.test(chunk)) commits.push(new ParsedCommit(chunk.split(FIELD)));
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

/** A commit's first `Horizon-Environment`; undefined without one. */
export function environmentOf(c: LoggedCommit): string | undefined {
  if (c.environment !== undefined) return c.environment ?? undefined;
  const trailers = c.trailers;
  for (let i = 0; i < trailers.length; i++) if (sameKey(trailers[i][0], "Horizon-Environment", "horizon-environment")) return trailers[i][1];
  return undefined;
}

/** A commit with a `Horizon-Action` trailer: horizon wrote it. */
export function isHorizonCommit(c: LoggedCommit): boolean {
  return c.horizon ?? c.trailers.some(([k]) => sameKey(k, "Horizon-Action", "horizon-action"));
}

/** A sync (`Horizon-Action: sync`) names no services: its files say what it deployed, as a hand edit's do. */
export function isSyncCommit(c: LoggedCommit): boolean {
  return c.sync ?? c.trailers.some(([k, v]) => sameKey(k, "Horizon-Action", "horizon-action") && v.trim() === "sync");
}

/** A commit whose changed files, not its trailers, say what it deployed: a hand edit or a sync. */
export const describedByFiles = (c: LoggedCommit): boolean => !isHorizonCommit(c) || isSyncCommit(c);
