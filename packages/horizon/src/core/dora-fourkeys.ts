import type { Deployment, DoraWindow, Incident, LeadTimeBasis, SourceChange } from "./dora.js";
import { median } from "./dora-median.js";

/**
 * dora-team/fourkeys' four metrics, reproduced from its published queries (github.com/dora-team/fourkeys at
 * 6cc642e): the tables of `queries/changes.sql`, `queries/deployments.sql`, `queries/incidents.sql`, and the stat
 * panels of `dashboard/fourkeys_dashboard.json` ("Deployment Frequency", "Lead Time to Change Bucket", "Change
 * Failure Rate", "Median Time to Restore Services"). Their `DATE_SUB(CURRENT_DATE(), INTERVAL 3 MONTH)` is the
 * window's start, CURRENT_DATE its end's date. Pure.
 *
 * How horizon's record maps onto fourkeys' events: a deployment is a deploy event (`deploy_id` = commit +
 * service, `time_created` = when it reached main); its changes are the commits of the push it deployed, which
 * horizon takes as every source commit between the service's previous and this source commit (`changes.all`,
 * read from the source repository), or the recorded source commit alone without one. A deployment with no
 * change is not in fourkeys' deployments table (its JOIN drops it). An incident links by `rootCause`, compared
 * to change ids for equality as incidents.sql's JOIN does.
 */

export type FrequencyBucket = "Daily" | "Weekly" | "Monthly" | "Yearly";
type DurationBucket = "One day" | "One week" | "One month" | "Six months" | "One year";
type FailureBucket = "0-15%" | "16-45%" | "46-60%";

export interface FourKeysReport {
  definition: "fourkeys";
  window: { start: string; end: string };
  deploymentFrequency: {
    bucket: FrequencyBucket | null;
    deployments: number;
    weeks: number;
    medianDaysDeployed: number | null;
    medianWeekDeployed: number | null;
    medianMonthlyDeploys: number | null;
  };
  leadTime: { bucket: DurationBucket; medianMinutes: number | null; samples: number; basis: LeadTimeBasis };
  changeFailureRate: { bucket: FailureBucket; rate: number; numerator: number; denominator: number };
  timeToRestore: { bucket: DurationBucket | null; medianHours: number | null; incidents: number };
  /** Deployments with no change: not in fourkeys' deployments table. */
  leftOut: number;
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
/** BigQuery's TIMESTAMP_DIFF: whole units, truncated toward zero. */
const diff = (later: number, earlier: number, unitMs: number): number => Math.trunc((later - earlier) / unitMs);
/** BigQuery's TIMESTAMP_TRUNC(t, WEEK): the Sunday that starts t's week. */
const weekOf = (day: number): number => day - new Date(day).getUTCDay() * DAY_MS;
const monthOf = (day: number): string => new Date(day).toISOString().slice(0, 7);

interface FkDeployment {
  deployId: string;
  timeCreated: number;
  /** ARRAY_AGG(DISTINCT change id). */
  changes: string[];
}

interface FkIncident {
  id: string;
  timeCreated: number;
  timeResolved: number | null;
  changes: string[];
}

/** The changes of a deployment: the push's commits (see above), truncated to the second as changes.sql does. */
function changesOf(d: Deployment): SourceChange[] {
  if (d.changes) return d.changes.all;
  return d.sourceCommit && d.sourceTime !== undefined ? [{ commit: d.sourceCommit, time: d.sourceTime }] : [];
}

/** The duration buckets of "Lead Time to Change Bucket" (in minutes there) and "Median Time to Restore Services" (hours). */
function durationBucket(hours: number): DurationBucket {
  if (hours < 24) return "One day";
  if (hours < 168) return "One week";
  if (hours < 730) return "One month";
  if (hours < 730 * 6) return "Six months";
  return "One year";
}

export function computeFourKeys(all: readonly Deployment[], incidentsIn: readonly Incident[], window: DoraWindow): FourKeysReport {
  // TIMESTAMP(DATE_SUB(CURRENT_DATE(), INTERVAL 3 MONTH)): the queries compare with midnight of the start's date.
  const start = utcDay(window.start);
  // changes.sql: one row per commit id, its time truncated to the second.
  const changeTime = new Map<string, number>();
  const deployments: FkDeployment[] = [];
  let leftOut = 0;
  let byCommits = false;
  for (const d of all) {
    const changes = changesOf(d);
    if (changes.length === 0) {
      if (d.deployedAt > start && d.deployedAt <= window.end) leftOut++;
      continue;
    }
    if (d.changes) byCommits = true;
    for (const c of changes) changeTime.set(c.commit, Math.floor(c.time / 1000) * 1000);
    deployments.push({ deployId: `${d.commit} ${d.service}`, timeCreated: d.deployedAt, changes: [...new Set(changes.map((c) => c.commit))] });
  }

  // incidents.sql: LEFT JOIN the deployments' (time_created, change) rows on change = root cause.
  const rows = deployments.flatMap((d) => d.changes.map((change) => ({ time: d.timeCreated, change })));
  const incidents: FkIncident[] = incidentsIn.map((i) => {
    const roots = i.rootCause === undefined ? [] : rows.filter((r) => r.change === i.rootCause);
    return {
      id: i.id,
      // MIN(IF(root.time_created < issue.time_created, root.time_created, issue.time_created))
      timeCreated: Math.min(i.openedAt, ...roots.map((r) => r.time)),
      timeResolved: i.resolvedAt ?? null,
      // ARRAY_AGG(root_cause IGNORE NULLS): one per joined row, the one row of an unmatched LEFT JOIN included.
      changes: i.rootCause === undefined ? [] : roots.length === 0 ? [i.rootCause] : roots.map(() => i.rootCause as string),
    };
  });
  const inWindow = deployments.filter((d) => d.timeCreated > start && d.timeCreated <= window.end);

  // "Lead Time to Change Bucket": minutes > 0 over (deployment, change) rows, PERCENTILE_CONT 0.5, IFNULL 0.
  const minutes = inWindow.flatMap((d) => d.changes.map((c) => diff(d.timeCreated, changeTime.get(c) as number, 60_000))).filter((m) => m > 0);
  const medianMinutes = median(minutes);

  // "Change Failure Rate": one row per (deployment, change, incident change) that matches.
  const incidentChanges = incidents.flatMap((i) => i.changes);
  const numerator = inWindow.reduce((n, d) => n + d.changes.reduce((m, c) => m + incidentChanges.filter((x) => x === c).length, 0), 0);
  const rate = inWindow.length === 0 ? 0 : numerator / inWindow.length;

  // "Median Time to Restore Services": incidents created in the window, whole hours, resolved ones only.
  const restoring = incidents.filter((i) => i.timeCreated > start);
  const hours = restoring.filter((i) => i.timeResolved !== null).map((i) => diff(i.timeResolved as number, i.timeCreated, 3_600_000));
  const medianHours = median(hours);

  return {
    definition: "fourkeys",
    window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
    deploymentFrequency: { ...frequencyBuckets(deployments.map((d) => d.timeCreated), firstEvent(incidents, all), window), deployments: inWindow.length },
    leadTime: { bucket: durationBucket((medianMinutes ?? 0) / 60), medianMinutes, samples: minutes.length, basis: byCommits ? "release-commits" : "recorded-source-commit" },
    changeFailureRate: { bucket: rate <= 0.15 ? "0-15%" : rate < 0.46 ? "16-45%" : "46-60%", rate, numerator, denominator: inWindow.length },
    // No incident row: the panel has no data; rows without a resolved one: CASE falls through to "One year".
    timeToRestore: { bucket: restoring.length === 0 ? null : medianHours === null ? "One year" : durationBucket(medianHours), medianHours, incidents: restoring.length },
    leftOut,
  };
}

/** The first event of fourkeys' events_raw as horizon has it: deploy events (all), incidents, pushes (their head commit). */
function firstEvent(incidents: readonly FkIncident[], all: readonly Deployment[]): number {
  const pushTimes = all.flatMap((d) => {
    const changes = changesOf(d);
    const head = changes.find((c) => c.commit === d.sourceCommit) ?? changes[changes.length - 1];
    return head ? [head.time] : [];
  });
  // Every deploy event is in events_raw, those the deployments table drops (no change) included.
  return Math.min(...all.map((d) => d.deployedAt), ...incidents.map((i) => i.timeCreated), ...pushTimes);
}

/**
 * "Deployment Frequency": the days from the window's start date to its end date after the date of the first event,
 * grouped by week (Sunday first); Daily, Weekly, Monthly or Yearly by the medians over those weeks.
 */
export function frequencyBuckets(deployTimes: readonly number[], first: number, window: DoraWindow): Omit<FourKeysReport["deploymentFrequency"], "deployments"> {
  const firstDay = utcDay(first);
  const deployDays = new Set(deployTimes.map(utcDay));
  const weeks = new Map<number, { deployed: number; days: number }>();
  for (let day = utcDay(window.start); day <= utcDay(window.end); day += DAY_MS) {
    if (!(day > firstDay)) continue;
    const week = weeks.get(weekOf(day)) ?? { deployed: 0, days: 0 };
    if (deployDays.has(day)) {
      week.deployed = 1;
      week.days++;
    }
    weeks.set(weekOf(day), week);
  }
  const monthly = new Map<string, number>();
  for (const [week, w] of weeks) monthly.set(monthOf(week), (monthly.get(monthOf(week)) ?? 0) + w.deployed);
  const rows = [...weeks].map(([week, w]) => ({ ...w, monthly: monthly.get(monthOf(week)) ?? 0 }));
  const medianDaysDeployed = median(rows.map((r) => r.days));
  const medianWeekDeployed = median(rows.map((r) => r.deployed));
  const medianMonthlyDeploys = median(rows.map((r) => r.monthly));
  const bucket: FrequencyBucket | null =
    rows.length === 0 ? null : (medianDaysDeployed as number) >= 3 ? "Daily" : (medianWeekDeployed as number) >= 1 ? "Weekly" : (medianMonthlyDeploys as number) >= 1 ? "Monthly" : "Yearly";
  return { bucket, weeks: rows.length, medianDaysDeployed, medianWeekDeployed, medianMonthlyDeploys };
}
