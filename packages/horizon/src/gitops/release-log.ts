import { git } from "../io/git.js";
import { parseReleaseTrailers } from "./trailers.js";
import type { ReleaseTrailers } from "./trailers.js";

/** A release commit of the manifests repository, as the audit trail and DORA read it. */
export interface ReleaseRecord extends ReleaseTrailers {
  commit: string;
  /** Committer time (when the change landed), ISO 8601. */
  committedAt: string;
  author: string;
  authorEmail: string;
  /** git's `%G?`: G good, U good but untrusted key, N none, B bad, ...; "?" when not checked. */
  signature: string;
  subject: string;
}

export interface ReadHistoryOptions {
  /** Only commits committed at or after this time. */
  since?: Date;
  until?: Date;
  /** Check signatures (`%G?`): runs gpg/ssh-keygen for signed commits, so it costs time. */
  signatures?: boolean;
}

const FIELD = "\x1f";
const RECORD = "\x1e";
const TRAILER = "\x1d";

/**
 * Every release commit reachable from HEAD, oldest first, in ONE `git log`
 * call (the history of a busy manifests repo has tens of thousands of them).
 */
export async function readReleaseHistory(root: string, options: ReadHistoryOptions = {}): Promise<ReleaseRecord[]> {
  const format = [
    `${RECORD}%H`,
    "%cI",
    "%an",
    "%ae",
    options.signatures ? "%G?" : "?",
    "%s",
    `%(trailers:only,unfold,separator=%x1d)`,
  ].join(FIELD);
  const args = ["log", `--format=${format}`, "--grep=^Horizon-Action:", "--reverse"];
  if (options.since) args.push(`--since=${options.since.toISOString()}`);
  if (options.until) args.push(`--until=${options.until.toISOString()}`);
  const { stdout } = await git(args, { cwd: root });
  return parseReleaseLog(stdout);
}

/** Parses the output of the `git log` format above. Pure. */
export function parseReleaseLog(stdout: string): ReleaseRecord[] {
  const records: ReleaseRecord[] = [];
  for (const chunk of stdout.split(RECORD)) {
    if (chunk.trim() === "") continue;
    const [commit = "", committedAt = "", author = "", authorEmail = "", signature = "?", subject = "", trailerText = ""] =
      chunk.split(FIELD);
    const trailers = trailerText
      .trim()
      .split(TRAILER)
      .map((line): [string, string] => {
        const colon = line.indexOf(":");
        return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      })
      .filter(([k]) => k !== "");
    const release = parseReleaseTrailers(trailers);
    if (!release) continue;
    records.push({ commit: commit.trim(), committedAt, author, authorEmail, signature, subject, ...release });
  }
  return records;
}

/** `true` when `%G?` says the commit carries a signature that verified (G, U) — the audit's "signed". */
export function isVerifiedSignature(signature: string): boolean {
  return signature === "G" || signature === "U";
}
