import { frequencyBuckets } from "./dora-fourkeys.js";
import type { FrequencyBucket } from "./dora-fourkeys.js";
import { median } from "./dora-median.js";
import { DORA_2024, tierAtLeast, tierAtMost } from "./dora-tiers.js";
import type { DoraTier, DoraTierPreset } from "./dora-tiers.js";

/**
 * One service deployed to one environment by one commit, horizon's or a hand edit (see toDeployments in
 * history.ts). Times are epoch milliseconds.
 */
export interface Deployment {
  commit: string;
  service: string;
  environment: string;
  /** When the change reached main: the first-parent commit that brought it (a merged pull request's merge). */
  deployedAt: number;
  /** Commit time of the application change in the image (`Horizon-Source-Time`): lead time starts here without a source repository. */
  sourceTime?: number;
  /** The application commit built into the image (`Horizon-Source-Commit`). */
  sourceCommit?: string;
  /**
   * The source commits this release brought to the environment, read from the source repository (see
   * dora-source.ts): `all` every commit between the service's previous and this source commit, `service` those of
   * them that affect the service's build. Undefined when no source repository tells.
   */
  changes?: { all: SourceChange[]; service: SourceChange[] };
  /** When the first rollback commit that undid it reached main. */
  rolledBackAt?: number;
  /** That rollback's `Horizon-Cause` (canary-failed, manual, incident <id>). */
  rollbackCause?: string;
}

/** A commit of the source repository and its committer time (epoch ms). */
export interface SourceChange {
  commit: string;
  time: number;
}

export interface Incident {
  id: string;
  openedAt: number;
  resolvedAt?: number;
  /** The deploy commit (or a prefix of it) the incident blames. Without it the incident blames nothing: causes are linked, never guessed. */
  deployment?: string;
  /** The source commit (full SHA) that caused it: fourkeys' link (its incidents.sql reads "root cause: <sha>"). */
  rootCause?: string;
}

export interface DoraWindow {
  start: number;
  end: number;
}

interface FailedDeployment {
  commit: string;
  service: string;
  deployedAt: number;
  restoredAt?: number;
  causes: string[];
}

/** Where lead time starts: every commit of each release (a source repository was read), or the one recorded source commit. */
export type LeadTimeBasis = "release-commits" | "recorded-source-commit";

interface DoraOptions {
  preset?: DoraTierPreset;
  /** A deployment within this long after a rollback of its service is rework (default 24 h). */
  reworkWindowMs?: number;
}

const DEFAULT_REWORK_WINDOW_MS = 24 * 3_600_000;

export interface DoraReport {
  /** Which definitions: "dora", the DORA reports' published ones (see computeDora). */
  definition: "dora";
  window: { start: string; end: string; days: number };
  preset: string;
  /** The report the tiers come from, e.g. "Accelerate State of DevOps Report 2024". */
  presetReport: string;
  deploymentFrequency: {
    deployments: number;
    deployDays: number;
    weeks: number;
    deployDaysPerWeek: number;
    tier: DoraTier;
    /** fourkeys' bucket for the same deployments (its days after the first one's, weeks from Sunday); null for none. */
    fourkeysBucket: FrequencyBucket | null;
  };
  leadTime: {
    medianSeconds: number | null;
    /** (deployment, commit) pairs measured. */
    samples: number;
    basis: LeadTimeBasis;
    /** Deployments measured from every commit of their release / from the recorded source commit time only / not at all. */
    deploymentsByCommits: number;
    deploymentsBySourceTime: number;
    deploymentsUnmeasured: number;
    tier: DoraTier | null;
  };
  changeFailureRate: {
    rate: number | null;
    numerator: number;
    denominator: number;
    /** = numerator, = denominator (kept for readers of the first shape). */
    failed: number;
    deployments: number;
    /** Failed deployments by what failed them (one deployment can have several). */
    byCause: { rollback: number; canaryFailed: number; incident: number };
    tier: DoraTier | null;
  };
  /** Failed-deployment recovery time: restore (first rollback or linked incident's resolution) - failed deploy time. */
  timeToRestore: { medianSeconds: number | null; samples: number; notRestored: number; tier: DoraTier | null };
  /** The fifth metric of the 2024 and 2025 DORA reports: deployments made while their service had an open failure. */
  reworkRate: { rate: number | null; numerator: number; denominator: number; windowSeconds: number };
  failures: FailedDeployment[];
  /** Deployments counted as rework, oldest first. */
  rework: Array<{ commit: string; service: string; deployedAt: number; because: string }>;
  unlinkedIncidents: string[];
}

const DAY_MS = 86_400_000;

export { median } from "./dora-median.js";


/** The deployments each incident blames: the ones its link names; an incident without a link is unlinked. */
function linkIncidents(all: readonly Deployment[], incidents: readonly Incident[]): { links: Map<Deployment, Incident[]>; unlinked: string[] } {
  const links = new Map<Deployment, Incident[]>();
  const unlinked: string[] = [];
  for (const incident of incidents) {
    const ref = incident.deployment?.toLowerCase();
    const blamed = ref ? all.filter((d) => d.commit.toLowerCase().startsWith(ref)) : [];
    if (blamed.length === 0) unlinked.push(incident.id);
    for (const d of blamed) links.set(d, [...(links.get(d) ?? []), incident]);
  }
  return { links, unlinked };
}

/** Lead-time samples of one deployment, in seconds: one per commit of its release, else the recorded source commit's. */
function leadSamples(d: Deployment): { by: "commits" | "source-time" | "none"; seconds: number[] } {
  if (d.changes && d.changes.service.length > 0) return { by: "commits", seconds: d.changes.service.map((c) => (d.deployedAt - c.time) / 1000) };
  if (d.sourceTime !== undefined) return { by: "source-time", seconds: [(d.deployedAt - d.sourceTime) / 1000] };
  return { by: "none", seconds: [] };
}

/**
 * Rework: a deployment of a service made while that service had an open failure, that is after one of its failed
 * deployments and before that failure's restore (never restored: still open), or within `windowMs` after one of its
 * rollbacks. Failures and rollbacks before the window count, so the window's first fix is rework too.
 */
function reworkOf(all: readonly Deployment[], inWindow: readonly Deployment[], failures: readonly FailedDeployment[], windowMs: number): DoraReport["rework"] {
  const open = new Map<string, Array<{ from: number; to: number; why: string }>>();
  const add = (service: string, from: number, to: number, why: string): void => void open.set(service, [...(open.get(service) ?? []), { from, to, why }]);
  for (const f of failures) add(f.service, f.deployedAt, f.restoredAt ?? Number.POSITIVE_INFINITY, `after failed ${f.commit.slice(0, 12)}`);
  for (const d of all) if (d.rolledBackAt !== undefined) add(d.service, d.rolledBackAt, d.rolledBackAt + windowMs, `within ${formatWindow(windowMs)} of the rollback of ${d.commit.slice(0, 12)}`);
  const rework: DoraReport["rework"] = [];
  for (const d of inWindow) {
    const hit = (open.get(d.service) ?? []).find((o) => o.from < d.deployedAt && d.deployedAt <= o.to);
    if (hit) rework.push({ commit: d.commit, service: d.service, deployedAt: d.deployedAt, because: hit.why });
  }
  return rework;
}

const formatWindow = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`);

/** The deployments failed by a rollback or a linked incident, with their restore. */
function failedDeployments(candidates: readonly Deployment[], links: Map<Deployment, Incident[]>): FailedDeployment[] {
  const failures: FailedDeployment[] = [];
  for (const d of candidates) {
    const blamed = links.get(d) ?? [];
    if (d.rolledBackAt === undefined && blamed.length === 0) continue;
    const restores = [d.rolledBackAt, ...blamed.map((i) => i.resolvedAt)].filter((t): t is number => t !== undefined && t >= d.deployedAt);
    const rollback = d.rolledBackAt === undefined ? [] : [d.rollbackCause ? `rollback (${d.rollbackCause})` : "rollback"];
    const causes = [...rollback, ...blamed.map((i) => `incident ${i.id}`)];
    failures.push({ commit: d.commit, service: d.service, deployedAt: d.deployedAt, ...(restores.length > 0 ? { restoredAt: Math.min(...restores) } : {}), causes });
  }
  return failures;
}

/**
 * The four keys and rework rate over the deployments of one environment, by
 * the DORA reports' published definitions (not dora-team/fourkeys' formulas,
 * which differ: see dora-fourkeys.ts):
 * - deployment frequency: days with a deployment per week, over the weeks
 *   since the first deployment in the window (at least one week), so days
 *   before the history began do not dilute it;
 * - lead time = median over (deployment, commit) pairs of deploy time - commit
 *   time, for every commit the release brought (`changes.service`); a
 *   deployment without them counts its recorded source commit time once;
 * - change failure rate = deployments rolled back (any cause, canary failures
 *   that reached git as `Horizon-Cause: canary-failed` included) or linked to
 *   an incident (by the incident's own link, never guessed) / deployments;
 * - time to restore (failed-deployment recovery time) = median(restore time -
 *   failed deploy time), the restore being the first rollback or the linked
 *   incident's resolution;
 * - rework rate = deployments made while their service had an open failure
 *   (reworkOf) / deployments.
 * Pure.
 */
export function computeDora(
  deployments: readonly Deployment[],
  incidents: readonly Incident[],
  window: DoraWindow,
  presetOrOptions: DoraTierPreset | DoraOptions = DORA_2024,
): DoraReport {
  const options: DoraOptions = "leadTime" in presetOrOptions ? { preset: presetOrOptions } : presetOrOptions;
  const preset = options.preset ?? DORA_2024;
  const reworkWindowMs = options.reworkWindowMs ?? DEFAULT_REWORK_WINDOW_MS;
  const inWindow = deployments.filter((d) => d.deployedAt >= window.start && d.deployedAt < window.end);
  const days = (window.end - window.start) / DAY_MS;
  const first = Math.min(...inWindow.map((d) => d.deployedAt));
  const weeks = inWindow.length === 0 ? days / 7 : Math.max(1, (window.end - first) / (7 * DAY_MS));
  const deployDays = new Set(inWindow.map((d) => new Date(d.deployedAt).toISOString().slice(0, 10))).size;
  const deployDaysPerWeek = weeks > 0 ? deployDays / weeks : 0;

  const samples = inWindow.map(leadSamples);
  const leadTimes = samples.flatMap((s) => s.seconds);
  const leadMedian = median(leadTimes);
  const byCommits = samples.filter((s) => s.by === "commits").length;

  const { links, unlinked } = linkIncidents(deployments, incidents);
  const allFailures = failedDeployments(deployments, links);
  const failures = allFailures.filter((f) => f.deployedAt >= window.start && f.deployedAt < window.end);
  const restoreTimes = failures.filter((f) => f.restoredAt !== undefined).map((f) => ((f.restoredAt as number) - f.deployedAt) / 1000);
  const restoreMedian = median(restoreTimes);
  const rate = inWindow.length > 0 ? failures.length / inWindow.length : null;
  const rework = reworkOf(deployments, inWindow, allFailures, reworkWindowMs);
  const failedBy = (test: (cause: string) => boolean): number => failures.filter((f) => f.causes.some(test)).length;

  return {
    definition: "dora",
    window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString(), days },
    preset: preset.name,
    presetReport: preset.report,
    deploymentFrequency: {
      deployments: inWindow.length,
      deployDays,
      weeks,
      deployDaysPerWeek,
      tier: tierAtLeast(preset.deploymentFrequency, deployDaysPerWeek),
      fourkeysBucket: inWindow.length === 0 ? null : frequencyBuckets(inWindow.map((d) => d.deployedAt), first, window).bucket,
    },
    leadTime: {
      medianSeconds: leadMedian,
      samples: leadTimes.length,
      basis: byCommits > 0 ? "release-commits" : "recorded-source-commit",
      deploymentsByCommits: byCommits,
      deploymentsBySourceTime: samples.filter((s) => s.by === "source-time").length,
      deploymentsUnmeasured: samples.filter((s) => s.by === "none").length,
      tier: leadMedian === null ? null : tierAtMost(preset.leadTime, leadMedian),
    },
    changeFailureRate: {
      rate,
      numerator: failures.length,
      denominator: inWindow.length,
      failed: failures.length,
      deployments: inWindow.length,
      byCause: {
        rollback: failedBy((c) => c.startsWith("rollback")),
        canaryFailed: failedBy((c) => c === "rollback (canary-failed)"),
        incident: failedBy((c) => c.startsWith("incident ")),
      },
      tier: rate === null ? null : tierAtMost(preset.changeFailureRate, rate),
    },
    timeToRestore: {
      medianSeconds: restoreMedian,
      samples: restoreTimes.length,
      notRestored: failures.length - restoreTimes.length,
      tier: restoreMedian === null ? null : tierAtMost(preset.timeToRestore, restoreMedian),
    },
    reworkRate: {
      rate: inWindow.length > 0 ? rework.length / inWindow.length : null,
      numerator: rework.length,
      denominator: inWindow.length,
      windowSeconds: reworkWindowMs / 1000,
    },
    failures,
    rework,
    unlinkedIncidents: unlinked,
  };
}
