import { InputError } from "../errors.js";
import type { ReleaseRecord, UnmanagedChange } from "../gitops/release-log.js";
import type { FlagChange, ReleaseAction, ServiceRelease } from "../gitops/trailers.js";
import type { Deployment } from "./dora.js";
import { parseDuration } from "./duration.js";
import type { SourceOrigin } from "./release-plan.js";

/**
 * One line of the audit trail (`horizon release history --json`, CONTRACTS.md): one service changed in one
 * environment by one commit, newest first. Absent values are null. The keys after `breakGlass` go beyond the contract.
 */
export interface HistoryEntry {
  commit: string;
  /** When the change reached main (the merge commit of a merged pull request), ISO 8601. */
  at: string;
  environment: string;
  service: string;
  /** The `Horizon-Action`; null for an unmanaged change. */
  action: ReleaseAction | null;
  image: string | null;
  previousImage: string | null;
  sourceCommit: string | null;
  sourceTime: string | null;
  author: string;
  signed: boolean;
  /** false for a commit without Horizon trailers (a hand edit). */
  managed: boolean;
  cause: string | null;
  breakGlass: string | null;
  authorEmail: string;
  /** git's `%G?`. */
  signature: string;
  promotedFrom: string | null;
  /** The rollback commit that undid this deployment, if any. */
  rolledBackBy: string | null;
  /** For a rollback: the deploy commits it undid. */
  rollsBack: string[] | null;
  /** For a flag change: the flag and what it serves now (`Horizon-Flag`); its service is `*`. */
  flag: FlagChange | null;
}

/** The `service` of a history entry for an action on a whole environment (a freeze names no service). */
const ENVIRONMENT_WIDE = "*";

/** `true` when `%G?` says the commit carries a signature that verified (G, U) — the audit's "signed". */
export function isVerifiedSignature(signature: string): boolean {
  return signature === "G" || signature === "U";
}

/** The working tree's environments and their services: what an environment-wide change deploys. */
export type ManifestsLayout = ReadonlyMap<string, ReadonlySet<string>>;

interface DeploymentTarget {
  environment: string;
  service: string;
}

export const targetKey = (t: DeploymentTarget): string => `${t.environment} ${t.service}`;

/** Where a changed file of the manifests repository points (see deploymentTargets); undefined: it deploys nothing. */
type FileScope = { environment: string; service: string } | { environment: string; service?: undefined } | { base: true; service?: string };

function scopeOf(path: string): FileScope | undefined {
  const [top, first, second, ...rest] = path.split("/");
  if (top === "environments" && first !== undefined && second !== undefined) return rest.length > 0 ? { environment: first, service: second } : { environment: first };
  if (top === "base" && first !== undefined) return { base: true, ...(second !== undefined ? { service: first } : {}) };
  return undefined;
}

/** Whether deploymentTargets needs the layout for these files (an environment's own files, base/): else it is not read. */
export const needsLayout = (paths: readonly string[]): boolean =>
  paths.some((path) => {
    const scope = scopeOf(path);
    return scope !== undefined && ("base" in scope || scope.service === undefined);
  });

/**
 * What a commit's changed files deploy: `environments/<env>/<service>/...` that service there; other files of
 * `environments/<env>/` every service of that environment; `base/<service>/...` that service everywhere; other
 * files of `base/` every service everywhere. Pure.
 */
export function deploymentTargets(paths: readonly string[], layout: ManifestsLayout): DeploymentTarget[] {
  const found = new Map<string, DeploymentTarget>();
  const add = (environment: string, service: string): void => void found.set(`${environment} ${service}`, { environment, service });
  let known: Set<string> | undefined;
  for (const path of paths) {
    const scope = scopeOf(path);
    if (scope === undefined) continue;
    if (!("base" in scope)) {
      if (scope.service !== undefined) add(scope.environment, scope.service);
      else for (const service of layout.get(scope.environment) ?? []) add(scope.environment, service);
    } else {
      known ??= new Set([...layout.values()].flatMap((services) => [...services]));
      const only = scope.service !== undefined && known.has(scope.service) ? scope.service : undefined;
      for (const [environment, services] of layout) for (const service of services) if (!only || service === only) add(environment, service);
    }
  }
  return [...found.values()];
}

const matchesCommit = (full: string, ref: string): boolean => ref.length >= 4 && full.startsWith(ref.toLowerCase());

/** Rollback records by "environment service", oldest first, so each lookup scans only its own. */
function rollbacksByService(records: readonly ReleaseRecord[]): Map<string, ReleaseRecord[]> {
  const index = new Map<string, ReleaseRecord[]>();
  for (const r of records) {
    if (r.action !== "rollback") continue;
    for (const b of r.rollsBack) {
      const key = `${r.environment} ${b.service}`;
      index.set(key, [...(index.get(key) ?? []), r]);
    }
  }
  return index;
}

/** The rollback records that undo `commit`'s change of `service` in `environment`, oldest first. */
function undoersOf(rollbacks: Map<string, ReleaseRecord[]>, environment: string, service: string, commit: string): ReleaseRecord[] {
  return (rollbacks.get(`${environment} ${service}`) ?? []).filter((x) => x.rollsBack.some((b) => b.service === service && matchesCommit(commit, b.commit)));
}

/**
 * What deploys: deploy, promote, and a sync (it changes base/ or an environment's files: a deployment of the services
 * they touch). Rollbacks restore; hold, unhold, freeze, unfreeze, flag and break-glass records change no image.
 */
const isDeploy = (action: ReleaseAction): boolean => action === "deploy" || action === "promote" || action === "sync";

/** The audit trail, newest first: release records and unmanaged changes; rollbacks are marked on the deployments they undid. */
export function historyEntries(records: readonly ReleaseRecord[], unmanaged: readonly UnmanagedChange[] = []): HistoryEntry[] {
  const rollbacks = rollbacksByService(records);
  // An action on a whole environment (freeze, unfreeze; a flag or break-glass record naming no service) is one entry,
  // service "*"; a flag change one entry per flag it changed.
  const rows = (r: ReleaseRecord): Array<ServiceRelease & { flag?: FlagChange }> =>
    r.services.length > 0 ? r.services : r.flags?.length ? r.flags.map((flag) => ({ service: ENVIRONMENT_WIDE, image: "", flag })) : [{ service: ENVIRONMENT_WIDE, image: "" }];
  const managed = records.flatMap((r) =>
    rows(r).map((s): HistoryEntry => {
      const undoneBy = isDeploy(r.action) ? undoersOf(rollbacks, r.environment, s.service, r.commit)[0] : undefined;
      const rollsBack = r.rollsBack.filter((b) => b.service === s.service).map((b) => b.commit);
      return {
        commit: r.commit,
        at: r.landedAt,
        environment: r.environment,
        service: s.service,
        action: r.action,
        image: s.image || null,
        previousImage: s.previousImage ?? null,
        sourceCommit: s.sourceCommit ?? null,
        sourceTime: s.sourceTime ?? null,
        author: r.author,
        signed: isVerifiedSignature(r.signature),
        managed: true,
        cause: r.cause ?? null,
        breakGlass: r.breakGlass ?? null,
        authorEmail: r.authorEmail,
        signature: r.signature,
        promotedFrom: r.promotedFrom ?? null,
        rolledBackBy: undoneBy?.commit ?? null,
        rollsBack: rollsBack.length > 0 ? rollsBack : null,
        flag: s.flag ?? null,
      };
    }),
  );
  const hand = unmanaged.map(
    (u): HistoryEntry => ({
      commit: u.commit,
      at: u.committedAt,
      environment: u.environment,
      service: u.service,
      action: null,
      image: u.image ?? null,
      previousImage: u.previousImage ?? null,
      sourceCommit: null,
      sourceTime: null,
      author: u.author,
      signed: isVerifiedSignature(u.signature),
      managed: false,
      cause: null,
      breakGlass: null,
      authorEmail: u.authorEmail,
      signature: u.signature,
      promotedFrom: null,
      rolledBackBy: undoersOf(rollbacks, u.environment, u.service, u.commit)[0]?.commit ?? null,
      rollsBack: null,
      flag: null,
    }),
  );
  // Newest landing first (git's order: commit times of one second tie); within one, the commits' order, then
  // what a merge changed beyond its Horizon commits.
  const order = [...records.flatMap((r) => rows(r).map(() => r.landingOrder)), ...unmanaged.map((u) => u.landingOrder)];
  return [...managed, ...hand]
    .map((entry, i) => ({ entry, order: order[i] ?? 0, i }))
    .sort((a, b) => b.order - a.order || a.i - b.i)
    .map(({ entry }) => entry);
}

/**
 * DORA's deployments of one environment, dated by when they reached main: deploy and promote commits, one per
 * service, unmanaged changes that left an image, and flag changes (one per commit, service `*`); rollbacks restore
 * and are not deployments.
 */
export function toDeployments(records: readonly ReleaseRecord[], environment: string, unmanaged: readonly UnmanagedChange[] = []): Deployment[] {
  const rollbacks = rollbacksByService(records);
  const deployment = (commit: string, service: string, deployedAt: string, source: { sourceTime?: string; sourceCommit?: string } = {}): Deployment => {
    const undone = undoersOf(rollbacks, environment, service, commit)
      .map((x) => ({ at: Date.parse(x.landedAt), cause: x.cause }))
      .sort((a, b) => a.at - b.at);
    const sourceTime = source.sourceTime ? Date.parse(source.sourceTime) : Number.NaN;
    return {
      commit,
      service,
      environment,
      deployedAt: Date.parse(deployedAt),
      ...(Number.isNaN(sourceTime) ? {} : { sourceTime }),
      ...(source.sourceCommit ? { sourceCommit: source.sourceCommit } : {}),
      ...(undone[0] ? { rolledBackAt: undone[0].at, ...(undone[0].cause ? { rollbackCause: undone[0].cause } : {}) } : {}),
    };
  };
  // A sync's source commit is the monorepo commit of deploy/, not an image's: no lead-time sample.
  const managed = records
    .filter((r) => isDeploy(r.action) && r.environment === environment)
    .flatMap((r) => r.services.map((s) => deployment(r.commit, s.service, r.landedAt, r.action === "sync" ? {} : s)));
  const hand = unmanaged.filter((u) => u.environment === environment && u.image !== undefined).map((u) => deployment(u.commit, u.service, u.committedAt));
  // A flag change (a `flag` commit naming flags) releases behaviour: one change of the whole environment.
  const flags = records.filter((r) => r.action === "flag" && r.environment === environment && (r.flags?.length ?? 0) > 0).map((r) => deployment(r.commit, ENVIRONMENT_WIDE, r.landedAt));
  return [...managed, ...hand, ...flags].sort((a, b) => a.deployedAt - b.deployedAt);
}

/** The source commit and time that came with `image` into `environment` (latest record first). */
export function originOf(records: readonly ReleaseRecord[], environment: string, service: string, image: string): SourceOrigin {
  const s = latestRelease(records, environment, service, image, (x) => Boolean(x.sourceCommit || x.sourceTime));
  return s ? { ...(s.sourceCommit ? { sourceCommit: s.sourceCommit } : {}), ...(s.sourceTime ? { sourceTime: s.sourceTime } : {}) } : {};
}

/** The newest record's entry of `service` at `image` in `environment` that `has` what is asked for. */
function latestRelease(
  records: readonly ReleaseRecord[],
  environment: string,
  service: string,
  image: string,
  has: (s: ServiceRelease) => boolean,
): ServiceRelease | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.environment !== environment) continue;
    const s = r.services.find((x) => x.service === service && x.image === image && has(x));
    if (s) return s;
  }
  return undefined;
}

/** `--since`: `90d`, `12w`, `36h`, or an ISO date. Returns the start time. */
export function parseSince(value: string, now: Date): Date {
  const back = parseDuration(value, ["h", "d", "w"]);
  if (back !== undefined && back >= 0) return new Date(now.getTime() - back);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InputError(`--since "${value}" is neither a duration like 90d, 12w, 36h nor a date like 2026-01-01`);
  return new Date(ms);
}

/** The gate verdict recorded (Horizon-Gates) when `image` came into `environment`, newest record first. */
export function recordedGates(records: readonly ReleaseRecord[], environment: string, service: string, image: string): string | undefined {
  return latestRelease(records, environment, service, image, (x) => x.gates !== undefined)?.gates;
}
