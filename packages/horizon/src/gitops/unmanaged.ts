/**
 * The part of the audit trail that commits' files tell, not their trailers: hand edits (commits without Horizon
 * trailers), syncs, and the Horizon commits a merge brought. Their files come from one `git diff-tree --stdin`
 * and the images before and after from `git cat-file --batch` (one per manifest layout), for those commits only.
 */
import { deploymentTargets, targetKey } from "../core/history.js";
import type { ManifestsLayout } from "../core/history.js";
import { commitMeta, describedByFiles, isHorizonCommit, isSyncCommit } from "./commit-log.js";
import type { CommitMeta, LoggedCommit } from "./commit-log.js";
import { git } from "../io/git.js";
import { readImage } from "./image-read.js";
import { LAYOUT_FILES } from "./layout.js";
import { parseReleaseTrailers } from "./trailers.js";
import type { ServiceRelease } from "./trailers.js";

/** Files each commit changed against its first parent (a merge: all it brought), relative to the manifests root. */
type ChangedFiles = ReadonlyMap<string, readonly string[]>;

/** A change of one service in one environment by a commit without Horizon trailers (hand edits, PRs horizon did not write). */
export interface UnmanagedChange extends CommitMeta {
  environment: string;
  service: string;
  /** The image the service runs after the commit; undefined when the commit removed its manifest. */
  image?: string;
  previousImage?: string;
}

/** What a sync (`Horizon-Action: sync`) deployed to one environment, read from its files. */
interface SyncRecord extends CommitMeta {
  action: "sync";
  rollsBack: [];
  breakGlass?: string;
  environment: string;
  services: ServiceRelease[];
  landedAt: string;
  landedBy: string;
}

type Target = { landing: LoggedCommit; environment: string; service: string };

const RECORD = "\x1e";

/** `git diff-tree --stdin` for changedFiles: each commit and its parents, then its files with their blobs before and after. */
const DIFF_TREE_ARGS = ["-c", "core.quotePath=false", "diff-tree", "--stdin", `--format=${RECORD}%H %P`, "--raw", "--no-abbrev", "-r", "--root", "--no-renames", "--diff-merges=first-parent", "--relative"];

/** The blob of `<rev>:./<path>` where a diff told it (null: no file there), so cat-file need not walk the trees. */
type KnownBlobs = ReadonlyMap<string, string | null>;

const ABSENT = "000000";
const isFile = (mode: string): boolean => mode === "100644" || mode === "100755";

/**
 * The files the given commits changed, in one `git diff-tree --stdin` (no history walk: only these commits), and
 * the blobs the diff names: a changed manifest's content before and after is then read by its object id.
 */
export async function changedFiles(root: string, commits: readonly string[]): Promise<{ files: ChangedFiles; blobs: KnownBlobs }> {
  const files = new Map<string, string[]>();
  const blobs = new Map<string, string | null>();
  if (commits.length === 0) return { files, blobs };
  const { stdout } = await git(DIFF_TREE_ARGS, { cwd: root, input: `${commits.join("\n")}\n` });
  const known = (rev: string | undefined, path: string, mode: string | undefined, oid: string | undefined): void => {
    if (!rev || mode === undefined || oid === undefined) return;
    if (mode === ABSENT) blobs.set(`${rev}:./${path}`, null);
    else if (isFile(mode)) blobs.set(`${rev}:./${path}`, oid);
  };
  for (const chunk of stdout.split(RECORD)) {
    const [header = "", ...lines] = chunk.split("\n");
    const [commit, parent] = header.split(" ");
    if (!commit) continue;
    const paths: string[] = [];
    for (const line of lines) {
      // `:<old mode> <new mode> <old blob> <new blob> <status>\t<path>`
      const tab = line.indexOf("\t");
      if (!line.startsWith(":") || tab < 0) continue;
      const path = line.slice(tab + 1);
      const [oldMode, newMode, oldBlob, newBlob] = line.slice(1, tab).split(" ");
      paths.push(path);
      known(commit, path, newMode, newBlob);
      known(parent, path, oldMode, oldBlob);
    }
    files.set(commit, paths);
  }
  return { files, blobs };
}

/**
 * The commits whose files say what they deployed: those on main's line without Horizon trailers (a merge among
 * them), and the Horizon commits a merge brought. A Horizon commit on main's line is described by its trailers.
 */
export function commitsToDiff(commits: readonly LoggedCommit[], landedBy: Map<string, LoggedCommit>): string[] {
  const merges = new Set(commits.filter((c) => c.parents.length > 1 && landedBy.get(c.commit) === c && !isHorizonCommit(c)).map((c) => c.commit));
  return commits
    .filter((c) => {
      const landing = landedBy.get(c.commit);
      if (!landing) return false;
      return landing === c ? describedByFiles(c) : isHorizonCommit(c) && merges.has(landing.commit);
    })
    .map((c) => c.commit);
}

/** What each first-parent commit without Horizon trailers changed that no Horizon commit it brought describes. Pure. */
export function unmanagedTargets(commits: readonly LoggedCommit[], landedBy: Map<string, LoggedCommit>, files: ChangedFiles, layout: ManifestsLayout): Target[] {
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

type Objects = ReadonlyMap<string, string | undefined>;

/**
 * `git cat-file --batch` answers, by the object names asked (`<rev>:<path>`); undefined for a missing object. A
 * name whose blob a diff told is asked by that blob (or known missing).
 */
async function readObjects(root: string, names: readonly string[], blobs: KnownBlobs): Promise<Objects> {
  const found = new Map<string, string | undefined>();
  const asked: string[] = [];
  const input: string[] = [];
  for (const name of names) {
    const blob = blobs.get(name);
    if (blob === null) found.set(name, undefined);
    else {
      asked.push(name);
      input.push(blob ?? name);
    }
  }
  if (asked.length === 0) return found;
  const { stdout } = await git(["cat-file", "--batch"], { cwd: root, input: `${input.join("\n")}\n` });
  const bytes = Buffer.from(stdout, "utf8");
  let at = 0;
  for (const name of asked) {
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

/**
 * The manifests the targets' images are read from, after and before each one's commit: one `git cat-file --batch`
 * per layout, each layout's file only where the ones before it are missing (kustomization.yaml for every target
 * first, then deployment.yaml only where there was none: half the lookups on a kustomize repository).
 */
export async function readTargetManifests(root: string, targets: readonly Target[], blobs: KnownBlobs): Promise<Objects> {
  const objects = new Map<string, string | undefined>();
  let folders = [
    ...new Set(
      targets.flatMap((t) => [t.landing.commit, t.landing.parents[0]].filter((rev): rev is string => rev !== undefined).map((rev) => `${rev}:./environments/${t.environment}/${t.service}/`)),
    ),
  ];
  for (const [, file] of LAYOUT_FILES) {
    for (const [name, source] of await readObjects(root, folders.map((folder) => `${folder}${file}`), blobs)) objects.set(name, source);
    folders = folders.filter((folder) => objects.get(`${folder}${file}`) === undefined);
  }
  return objects;
}

/** The image a service's manifest at `rev` deploys; undefined when it has none there. */
async function imageAt(objects: Objects, rev: string | undefined, environment: string, service: string): Promise<{ exists: boolean; image?: string }> {
  if (rev === undefined) return { exists: false };
  for (const [layout, name] of LAYOUT_FILES) {
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

/** A sync's `Horizon-Source-Commit: deploy <sha>`: the monorepo commit whose deploy/ it carried. */
function syncSourceCommit(c: LoggedCommit): string | undefined {
  const value = c.trailers.find(([k, v]) => k.toLowerCase() === "horizon-source-commit" && v.startsWith("deploy "))?.[1];
  return value?.slice("deploy ".length).trim() || undefined;
}

/**
 * The targets' changes with the image each left: a sync's as one record per environment it touched, listing the
 * services whose files it changed; every other one as an unmanaged change. Oldest landing first.
 */
export async function changesOf(targets: readonly Target[], objects: Objects, line: ReadonlyMap<string, number>): Promise<{ syncs: SyncRecord[]; unmanaged: UnmanagedChange[] }> {
  const unmanaged: UnmanagedChange[] = [];
  const syncs = new Map<string, SyncRecord>();
  const order = (t: Target): number => line.get(t.landing.commit) ?? 0;
  // Oldest landing first, as the releases are; within one, the environments' and services' order.
  for (const t of [...targets].sort((a, b) => order(a) - order(b))) {
    const after = await imageAt(objects, t.landing.commit, t.environment, t.service);
    const before = await imageAt(objects, t.landing.parents[0], t.environment, t.service);
    // Neither before nor after: no such service then (an environment-wide change names today's services).
    if (!after.exists && !before.exists) continue;
    if (isSyncCommit(t.landing)) {
      const key = `${t.landing.commit} ${t.environment}`;
      const trailers = parseReleaseTrailers(t.landing.trailers);
      const record: SyncRecord = syncs.get(key) ?? {
        ...commitMeta(t.landing, t.landing, line),
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
      ...commitMeta(t.landing, t.landing, line),
      environment: t.environment,
      service: t.service,
      ...(after.image ? { image: after.image } : {}),
      ...(before.image ? { previousImage: before.image } : {}),
    });
  }
  return { syncs: [...syncs.values()], unmanaged };
}
