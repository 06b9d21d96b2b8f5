import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { computeDora, median, type DoraReport } from "../core/dora.js";
import { count, formatDuration as formatSeconds } from "../core/dora-format.js";
import type { GateReport } from "../core/gates.js";
import { formatNumber } from "../core/gates.js";
import { historyEntries, originOf, toDeployments } from "../core/history.js";
import { HOLDS_FILE, parseHolds } from "../gitops/holds.js";
import { imageOf, listEnvironments, listServices, readServiceManifest } from "../gitops/manifests.js";
import { readReleaseHistory, type ReleaseRecord } from "../gitops/release-log.js";
import { readRepoFile } from "../gitops/repo.js";
import type { RunSummary } from "../pipeline/types.js";
import type { DashboardData, DashboardDeployment, DashboardGate, DashboardHistoryEntry, DashboardRun, DashboardSeriesPoint } from "./model.js";

const DAY_MS = 86_400_000;

export interface GatherOptions {
  /** A run folder (`.horizon/runs/<id>`): its summary.json and gates/*.json. */
  runDir?: string;
  /** The manifests repository: environments, history, DORA. */
  manifestsDir?: string;
  /** DORA's environment; default production when it has deployments, else the busiest one. */
  environment?: string;
  sinceDays?: number;
  now?: Date;
}

/** Gathers everything the dashboard shows; every part is optional, and what is missing says so on the page. */
export async function gatherDashboard(options: GatherOptions): Promise<DashboardData> {
  const now = options.now ?? new Date();
  const data: DashboardData = { title: "Blessed Horizon — delivery", generatedAt: now.toISOString(), gates: [], deployments: [], history: [] };
  if (options.runDir) {
    data.run = readRun(options.runDir);
    data.gates = readGates(options.runDir);
  }
  if (options.manifestsDir && existsSync(join(options.manifestsDir, ".git"))) {
    const records = await readReleaseHistory(options.manifestsDir, { signatures: true });
    data.deployments = currentDeployments(options.manifestsDir, records);
    data.history = recentHistory(records);
    const environment = options.environment ?? busiestEnvironment(records);
    if (environment) data.dora = doraSection(records, environment, options.sinceDays ?? 90, now);
  }
  return data;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function readRun(runDir: string): DashboardRun | undefined {
  const summary = readJson<RunSummary>(join(runDir, "summary.json"));
  if (!summary) return undefined;
  return {
    runId: summary.runId,
    status: summary.status === "interrupted" ? "failed" : summary.status,
    startedAt: summary.startedAt,
    durationMs: summary.durationMs,
    commit: summary.commit,
    services: summary.services,
    failure: summary.failure,
    stages: summary.stages.map((s) => ({ title: s.title, service: s.service, status: s.status, durationMs: s.durationMs, summary: s.summary })),
  };
}

function readGates(runDir: string): DashboardGate[] {
  const dir = join(runDir, "gates");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((file) => {
      const report = readJson<GateReport>(join(dir, file));
      const service = file.replace(/\.json$/, "");
      return (report?.gates ?? []).flatMap((gate) =>
        gate.checks.map(
          (check): DashboardGate => ({
            service,
            gate: `${gate.gate}.${check.check}`,
            status: check.status,
            actual: check.actual === null ? "no evidence" : withUnit(check.actual, check.unit, check.threshold),
            threshold: `${check.bound === "min" ? "≥" : "≤"} ${withUnit(check.threshold, check.unit)}`,
            message: check.message,
          }),
        ),
      );
    });
}

function withUnit(value: number, unit: string, against?: number): string {
  const text = formatNumber(value, against);
  return unit === "%" ? `${text}%` : unit === "count" ? text : `${text} ${unit}`;
}

function currentDeployments(root: string, records: readonly ReleaseRecord[]): DashboardDeployment[] {
  const holds = parseHolds(readRepoFile(root, HOLDS_FILE));
  return listEnvironments(root).flatMap((environment) =>
    listServices(root, environment).map((service): DashboardDeployment => {
      const image = imageOf(readServiceManifest(root, environment, service));
      const origin = originOf(records, environment, service, image);
      const last = [...records].reverse().find((r) => r.environment === environment && r.services.some((s) => s.service === service && s.image === image));
      const held = holds.filter((h) => h.environment === environment && h.service === service).map((h) => h.image);
      return {
        environment,
        service,
        image,
        ...(origin.sourceCommit ? { sourceCommit: origin.sourceCommit } : {}),
        ...(last ? { deployedAt: last.landedAt } : {}),
        ...(held.length > 0 ? { hold: held.join(", ") } : {}),
      };
    }),
  );
}

/** Newest first, one row per release commit, at most 50. */
function recentHistory(records: readonly ReleaseRecord[]): DashboardHistoryEntry[] {
  const byCommit = new Map<string, DashboardHistoryEntry>();
  for (const entry of historyEntries(records)) {
    const row = byCommit.get(entry.commit) ?? {
      time: entry.at,
      action: entry.rolledBackBy ? `${entry.action ?? "change"} (rolled back)` : (entry.action ?? "change"),
      environment: entry.environment,
      services: [],
      images: [],
      ...(entry.sourceCommit ? { sourceCommit: entry.sourceCommit } : {}),
      author: entry.author,
      signed: entry.signed,
      commit: entry.commit,
    };
    row.services.push(entry.service);
    row.images.push(entry.image ?? "");
    byCommit.set(entry.commit, row);
  }
  return [...byCommit.values()].slice(0, 50);
}

function busiestEnvironment(records: readonly ReleaseRecord[]): string | undefined {
  const counts = new Map<string, number>();
  for (const r of records) if (r.action === "deploy" || r.action === "promote") counts.set(r.environment, (counts.get(r.environment) ?? 0) + 1);
  if (counts.has("production")) return "production";
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function doraSection(records: readonly ReleaseRecord[], environment: string, days: number, now: Date): DashboardData["dora"] {
  const deployments = toDeployments(records, environment);
  const window = { start: now.getTime() - days * DAY_MS, end: now.getTime() + 1 };
  const report = computeDora(deployments, [], window);
  const inWindow = deployments.filter((d) => d.deployedAt >= window.start && d.deployedAt < window.end);
  const perDay = new Map<string, { count: number; lead: number[] }>();
  for (const d of inWindow) {
    const day = new Date(d.deployedAt).toISOString().slice(0, 10);
    const entry = perDay.get(day) ?? { count: 0, lead: [] };
    entry.count += 1;
    if (d.sourceTime !== undefined) entry.lead.push((d.deployedAt - d.sourceTime) / 3_600_000);
    perDay.set(day, entry);
  }
  const activeDays = [...perDay.keys()].sort();
  // Every day from the first deployment to today, so quiet days show as gaps.
  const deploysPerDay: DashboardSeriesPoint[] = daysBetween(activeDays[0], now).map((date) => ({ date, value: perDay.get(date)?.count ?? 0 }));
  const leadTimeHours: DashboardSeriesPoint[] = activeDays.flatMap((date) => {
    const m = median(perDay.get(date)?.lead ?? []);
    return m === null ? [] : [{ date, value: m }];
  });
  return { environment, window: `last ${days} days`, metrics: doraMetrics(report), deploysPerDay, leadTimeHours };
}


function daysBetween(first: string | undefined, now: Date): string[] {
  if (!first) return [];
  const days: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= now.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function doraMetrics(report: DoraReport): NonNullable<DashboardData["dora"]>["metrics"] {
  const f = report.deploymentFrequency;
  const cfr = report.changeFailureRate;
  const tier = (t: string | null) => (t === null ? undefined : t.charAt(0).toUpperCase() + t.slice(1));
  return [
    { label: "Deployment frequency", value: `${f.deployDaysPerWeek.toFixed(1)} days/week`, tier: tier(f.tier), detail: `${count(f.deployments, "deployment")} on ${count(f.deployDays, "day")}` },
    { label: "Lead time for changes", value: formatSeconds(report.leadTime.medianSeconds), tier: tier(report.leadTime.tier), detail: `median of ${report.leadTime.samples}` },
    { label: "Change failure rate", value: cfr.rate === null ? "n/a" : `${(cfr.rate * 100).toFixed(1)}%`, tier: tier(cfr.tier), detail: `${cfr.failed} of ${cfr.deployments} deployments` },
    { label: "Time to restore", value: formatSeconds(report.timeToRestore.medianSeconds), tier: tier(report.timeToRestore.tier), detail: `median of ${report.timeToRestore.samples}` },
  ];
}
