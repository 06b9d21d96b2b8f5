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
  /** Commit time of the application change in the image: lead time starts here. */
  sourceTime?: number;
  /** When the first rollback commit that undid it reached main. */
  rolledBackAt?: number;
}

export interface Incident {
  id: string;
  openedAt: number;
  resolvedAt?: number;
  /** The deploy commit (or a prefix of it) the incident blames. Without it the incident blames nothing: causes are linked, never guessed. */
  deployment?: string;
}

export interface DoraWindow {
  start: number;
  end: number;
}

export interface FailedDeployment {
  commit: string;
  service: string;
  deployedAt: number;
  restoredAt?: number;
  causes: string[];
}

export interface DoraReport {
  /** Which definitions: "dora", the DORA reports' published ones (see computeDora). */
  definition: "dora";
  window: { start: string; end: string; days: number };
  preset: string;
  deploymentFrequency: { deployments: number; deployDays: number; weeks: number; deployDaysPerWeek: number; tier: DoraTier };
  leadTime: { medianSeconds: number | null; samples: number; tier: DoraTier | null };
  changeFailureRate: { rate: number | null; failed: number; deployments: number; tier: DoraTier | null };
  timeToRestore: { medianSeconds: number | null; samples: number; tier: DoraTier | null };
  failures: FailedDeployment[];
  unlinkedIncidents: string[];
}

const DAY_MS = 86_400_000;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid]) : ((sorted[mid - 1]) + (sorted[mid])) / 2;
}

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

/**
 * The four keys over the deployments of one environment, by the DORA
 * reports' published definitions (not dora-team/fourkeys' formulas, which
 * differ: fourkeys counts change failures from incidents only and restores
 * as incident duration):
 * - deployment frequency: days with a deployment per week, over the weeks
 *   since the first deployment in the window (at least one week), so days
 *   before the history began do not dilute it;
 * - lead time = median(deploy time - source commit time);
 * - change failure rate = deployments rolled back or linked to an incident
 *   (by the incident's own link, never guessed) / deployments;
 * - time to restore (failed-deployment recovery time) = median(restore time -
 *   failed deploy time), the restore being the first rollback or the linked
 *   incident's resolution.
 * Pure.
 */
export function computeDora(
  deployments: readonly Deployment[],
  incidents: readonly Incident[],
  window: DoraWindow,
  preset: DoraTierPreset = DORA_2024,
): DoraReport {
  const inWindow = deployments.filter((d) => d.deployedAt >= window.start && d.deployedAt < window.end);
  const days = (window.end - window.start) / DAY_MS;
  const first = Math.min(...inWindow.map((d) => d.deployedAt));
  const weeks = inWindow.length === 0 ? days / 7 : Math.max(1, (window.end - first) / (7 * DAY_MS));
  const deployDays = new Set(inWindow.map((d) => new Date(d.deployedAt).toISOString().slice(0, 10))).size;
  const deployDaysPerWeek = weeks > 0 ? deployDays / weeks : 0;

  const leadTimes = inWindow.filter((d) => d.sourceTime !== undefined).map((d) => (d.deployedAt - (d.sourceTime as number)) / 1000);
  const leadMedian = median(leadTimes);

  const { links, unlinked } = linkIncidents(deployments, incidents);
  const failures: FailedDeployment[] = [];
  for (const d of inWindow) {
    const blamed = links.get(d) ?? [];
    if (d.rolledBackAt === undefined && blamed.length === 0) continue;
    const restores = [d.rolledBackAt, ...blamed.map((i) => i.resolvedAt)].filter((t): t is number => t !== undefined && t >= d.deployedAt);
    const causes = [...(d.rolledBackAt !== undefined ? ["rollback"] : []), ...blamed.map((i) => `incident ${i.id}`)];
    failures.push({ commit: d.commit, service: d.service, deployedAt: d.deployedAt, ...(restores.length > 0 ? { restoredAt: Math.min(...restores) } : {}), causes });
  }
  const restoreTimes = failures.filter((f) => f.restoredAt !== undefined).map((f) => ((f.restoredAt as number) - f.deployedAt) / 1000);
  const restoreMedian = median(restoreTimes);
  const rate = inWindow.length > 0 ? failures.length / inWindow.length : null;

  return {
    definition: "dora",
    window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString(), days },
    preset: preset.name,
    deploymentFrequency: {
      deployments: inWindow.length,
      deployDays,
      weeks,
      deployDaysPerWeek,
      tier: tierAtLeast(preset.deploymentFrequency, deployDaysPerWeek),
    },
    leadTime: { medianSeconds: leadMedian, samples: leadTimes.length, tier: leadMedian === null ? null : tierAtMost(preset.leadTime, leadMedian) },
    changeFailureRate: {
      rate,
      failed: failures.length,
      deployments: inWindow.length,
      tier: rate === null ? null : tierAtMost(preset.changeFailureRate, rate),
    },
    timeToRestore: {
      medianSeconds: restoreMedian,
      samples: restoreTimes.length,
      tier: restoreMedian === null ? null : tierAtMost(preset.timeToRestore, restoreMedian),
    },
    failures,
    unlinkedIncidents: unlinked,
  };
}
