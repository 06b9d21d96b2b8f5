import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { computeDora, median, type Deployment, type DoraReport } from "../core/dora.js";
import { count, formatDuration as formatSeconds } from "../core/dora-format.js";
import type { GateReport } from "../core/gates.js";
import { formatNumber } from "../core/gates.js";
import { parseGateReport } from "../evidence/gate-report.js";
import { historyEntries, toDeployments, type HistoryEntry } from "../core/history.js";
import { HOLDS_FILE, parseHolds } from "../gitops/holds.js";
import { quickImage } from "../gitops/image-read.js";
import { imageOf, listEnvironments, listServices, manifestPath } from "../gitops/manifests.js";
import { readAuditTrail } from "../gitops/release-log.js";
import { readRepoFile } from "../gitops/repo.js";
import type { RunSummary, StageRecord } from "../pipeline/types.js";
import { environmentPolicies } from "./gather-policy.js";
import { isWipImage } from "./model.js";
import type { DashboardData, DashboardDeployment, DashboardGate, DashboardHistoryEntry, DashboardLink, DashboardRun, DashboardRunListEntry, DashboardSeriesPoint, Status } from "./model.js";

const DAY_MS = 86_400_000;

interface GatherOptions {
  /** A run folder (`.horizon/runs/<id>`): its summary.json and gates/*.json. */
  runDir?: string;
  /** Where the runs are (`.horizon/runs`): the list of earlier runs. */
  runsDir?: string;
  /** The folder the page is written to: its links are relative to it. Default: the run folder. */
  pageDir?: string;
  /** The manifests repository: environments, history, DORA. */
  manifestsDir?: string;
  /** DORA's environment; default production when it has deployments in the window, else the busiest one. */
  environment?: string;
  sinceDays?: number;
  now?: Date;
}

/** Gathers everything the dashboard shows; every part is optional, and what is missing says so on the page. */
export async function gatherDashboard(options: GatherOptions): Promise<DashboardData> {
  const now = options.now ?? new Date();
  const data: DashboardData = { title: "Blessed Horizon — delivery", generatedAt: now.toISOString(), runs: [], gates: [], deployments: [], history: [], policies: [] };
  const pageDir = options.pageDir ?? options.runDir;
  if (options.runDir) {
    data.run = readRun(options.runDir, pageDir ?? options.runDir);
    data.gates = readGates(options.runDir);
  }
  if (options.runsDir) data.runs = listRuns(options.runsDir, options.runDir, pageDir ?? options.runsDir);
  if (options.manifestsDir && existsSync(join(options.manifestsDir, ".git"))) {
    // One walk of the history for everything below, the oldest commit's time with it.
    const { releases, unmanaged, oldestCommitTime: firstCommit } = await readAuditTrail(options.manifestsDir, { signatures: true, oldest: true });
    const entries = historyEntries(releases, unmanaged);
    data.deployments = currentDeployments(options.manifestsDir, entries);
    data.history = recentHistory(entries);
    data.policies = environmentPolicies(options.manifestsDir, entries, now.getTime());
    const days = options.sinceDays ?? 90;
    const window = clipToRepository({ start: now.getTime() - days * DAY_MS, end: now.getTime() + 1 }, firstCommit, days);
    const environment = options.environment ?? busiestEnvironment(entries, window);
    if (environment) data.dora = doraSection(toDeployments(releases, environment, unmanaged), environment, window, now);
  }
  return data;
}

interface Window {
  start: number;
  end: number;
  label: string;
}

/** `--since` reaches back before the repository existed: the window starts at its first commit instead. */
function clipToRepository(window: Omit<Window, "label">, firstCommit: number | undefined, days: number): Window {
  if (firstCommit === undefined || firstCommit <= window.start) return { ...window, label: `last ${days} days` };
  const day = new Date(firstCommit).toISOString().slice(0, 10);
  return { start: firstCommit, end: window.end, label: `since ${day}, the repository's first commit (asked: last ${days} days)` };
}

/** A run's gates/<service>.json; one that is unreadable or not horizon gate's report shows no rows. */
function readGateReport(file: string): GateReport | undefined {
  try {
    const parsed = parseGateReport(readFileSync(file, "utf8"));
    return "report" in parsed ? parsed.report : undefined;
  } catch {
    return undefined;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

const runStatus = (status: RunSummary["status"]): Status => (status === "interrupted" ? "failed" : status);

function readRun(runDir: string, pageDir: string): DashboardRun | undefined {
  const summary = readJson<RunSummary>(join(runDir, "summary.json"));
  if (!summary) return undefined;
  return {
    runId: summary.runId,
    status: runStatus(summary.status),
    startedAt: summary.startedAt,
    durationMs: summary.durationMs,
    commit: summary.commit,
    services: summary.services,
    failure: summary.failure,
    stages: summary.stages.map((s) => ({ title: s.title, service: s.service, status: s.status, durationMs: s.durationMs, summary: s.summary, links: stageLinks(runDir, pageDir, s) })),
  };
}

/** What a person would call each file a stage wrote. */
function linkLabel(file: string): string {
  if (/\.lcov$|^coverage\//.test(file)) return "coverage";
  if (/^junit\/|\.junit\.xml$/.test(file)) return "JUnit";
  if (file.endsWith(".sarif")) return "SARIF";
  if (/^gates\//.test(file)) return "gate report";
  return basename(file);
}

/** The stage's log and artifacts that exist, relative to the page (links to missing files would mislead). */
function stageLinks(runDir: string, pageDir: string, stage: StageRecord): DashboardLink[] {
  const files = [...(stage.log ? [{ label: "log", file: stage.log }] : []), ...(stage.artifacts ?? []).map((file) => ({ label: linkLabel(file), file }))];
  return files.filter(({ file }) => existsSync(join(runDir, file))).map(({ label, file }) => ({ label, href: href(pageDir, join(runDir, file)) }));
}

const href = (from: string, to: string): string => relative(from, to).split(sep).join("/");

/** Every run folder with a readable summary.json, newest first (run ids sort by time). */
function listRuns(runsDir: string, current: string | undefined, pageDir: string): DashboardRunListEntry[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .reverse()
    .flatMap((id): DashboardRunListEntry[] => {
      const dir = join(runsDir, id);
      const summary = readJson<RunSummary>(join(dir, "summary.json"));
      if (!summary || typeof summary.runId !== "string") return [];
      const page = join(dir, "dashboard.html");
      return [
        {
          runId: summary.runId,
          status: summary.status,
          startedAt: summary.startedAt,
          durationMs: summary.durationMs,
          ...(summary.commit ? { commit: summary.commit } : {}),
          services: summary.services,
          ...(summary.failure ? { failure: summary.failure } : {}),
          ...(existsSync(page) ? { href: href(pageDir, page) } : {}),
          current: current !== undefined && resolve(current) === resolve(dir),
        },
      ];
    });
}

/** Gates whose evidence is each service's own; the others judge the platform-wide audit, integration and load tests. */
const PER_SERVICE_GATES = new Set(["code_coverage"]);

function readGates(runDir: string): DashboardGate[] {
  const dir = join(runDir, "gates");
  if (!existsSync(dir)) return [];
  const rows = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((file) => {
      const report = readGateReport(join(dir, file));
      const service = file.replace(/\.json$/, "");
      return (report?.gates ?? []).flatMap((gate) =>
        gate.checks.map(
          (check): DashboardGate => ({
            services: [service],
            shared: false,
            gate: `${gate.gate}.${check.check}`,
            status: check.status,
            actual: check.actual === null ? "no evidence" : withUnit(check.actual, check.unit, check.threshold),
            threshold: `${check.bound === "min" ? "≥" : "≤"} ${withUnit(check.threshold, check.unit)}`,
            message: check.message,
          }),
        ),
      );
    });
  // A shared gate with the same verdict for every service is one row; one that differs keeps a row per service.
  const own = rows.filter((r) => PER_SERVICE_GATES.has(r.gate.split(".")[0] ?? ""));
  const shared = new Map<string, DashboardGate>();
  for (const r of rows) {
    if (PER_SERVICE_GATES.has(r.gate.split(".")[0] ?? "")) continue;
    const key = JSON.stringify([r.gate, r.status, r.actual, r.threshold, r.message]);
    const row = shared.get(key);
    if (row) row.services.push(...r.services);
    else shared.set(key, { ...r, services: [...r.services] });
  }
  const services = new Set(rows.map((r) => r.services[0]));
  return [...own, ...[...shared.values()].map((r) => ({ ...r, shared: services.size > 1 && r.services.length === services.size }))];
}

function withUnit(value: number, unit: string, against?: number): string {
  const text = formatNumber(value, against);
  return unit === "%" ? `${text}%` : unit === "count" ? text : `${text} ${unit}`;
}

/** The manifest of each service of an environment, read once (no per-cell listing of the folder). */
function environmentImages(root: string, environment: string): Array<{ service: string; image: string }> {
  return listServices(root, environment).flatMap((service) => {
    const layout = (["kustomize", "plain"] as const).find((l) => existsSync(join(root, manifestPath(environment, service, l))));
    if (!layout) return [];
    const file = manifestPath(environment, service, layout);
    try {
      const manifest = { layout, file, source: readFileSync(join(root, file), "utf8"), service };
      return [{ service, image: quickImage(manifest) ?? imageOf(manifest) }];
    } catch {
      return [];
    }
  });
}

/** Release actions that set an image (hold, unhold and the like only name one). */
const IMAGE_ACTIONS = new Set(["deploy", "promote", "rollback", "sync"]);

function currentDeployments(root: string, entries: readonly HistoryEntry[]): DashboardDeployment[] {
  const holds = parseHolds(readRepoFile(root, HOLDS_FILE));
  // One pass over the trail, newest first: the first entry that brought an image is the one that deployed it.
  const brought = new Map<string, HistoryEntry>();
  const origin = new Map<string, string>();
  for (const e of entries) {
    if (!e.image) continue;
    const key = `${e.environment} ${e.service} ${e.image}`;
    if (!brought.has(key) && (!e.managed || IMAGE_ACTIONS.has(e.action ?? ""))) brought.set(key, e);
    if (!origin.has(key) && e.managed && e.sourceCommit) origin.set(key, e.sourceCommit);
  }
  return listEnvironments(root).flatMap((environment) =>
    environmentImages(root, environment).map(({ service, image }): DashboardDeployment => {
      const key = `${environment} ${service} ${image}`;
      const last = brought.get(key);
      const sourceCommit = origin.get(key);
      const held = holds.filter((h) => h.environment === environment && h.service === service).map((h) => h.image);
      return {
        environment,
        service,
        image,
        ...(sourceCommit ? { sourceCommit } : {}),
        ...(last ? { deployedAt: last.at } : {}),
        ...(held.length > 0 ? { hold: held.join(", ") } : {}),
        managed: last?.managed ?? true,
        wip: isWipImage(image),
      };
    }),
  );
}

/** Newest first, one row per commit and environment, at most 50. */
function recentHistory(entries: readonly HistoryEntry[]): DashboardHistoryEntry[] {
  const rows = new Map<string, DashboardHistoryEntry>();
  for (const entry of entries) {
    const key = `${entry.commit} ${entry.environment}`;
    if (!rows.has(key) && rows.size === 50) break;
    const action = entry.managed ? (entry.action ?? "change") : "unmanaged change";
    const row = rows.get(key) ?? {
      time: entry.at,
      action: entry.rolledBackBy ? `${action} (rolled back)` : action,
      environment: entry.environment,
      services: [],
      images: [],
      ...(entry.sourceCommit ? { sourceCommit: entry.sourceCommit } : {}),
      author: entry.author,
      signed: entry.signed,
      commit: entry.commit,
      managed: entry.managed,
    };
    row.services.push(entry.service);
    row.images.push(entry.image ?? "");
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** Production when it has deployments in the window, else the environment with the most. */
function busiestEnvironment(entries: readonly HistoryEntry[], window: Window): string | undefined {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const t = Date.parse(e.at);
    const deploys = e.managed ? e.action === "deploy" || e.action === "promote" : e.image !== null;
    if (deploys && t >= window.start && t < window.end) counts.set(e.environment, (counts.get(e.environment) ?? 0) + 1);
  }
  if (counts.has("production")) return "production";
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function doraSection(deployments: readonly Deployment[], environment: string, window: Window, now: Date): DashboardData["dora"] {
  const report = computeDora(deployments, [], { start: window.start, end: window.end });
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
  return { environment, window: window.label, metrics: doraMetrics(report), deploysPerDay, leadTimeHours };
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
