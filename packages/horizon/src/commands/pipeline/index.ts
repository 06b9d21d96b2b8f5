import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { CheckFailedError, ExitCode, ExitError, InputError } from "../../errors.js";
import { gitText } from "../../io/git.js";
import { readPipelineState, writePipelineState } from "../../pipeline/history-state.js";
import { HORIZON_DIR, writeDashboard } from "../../pipeline/dashboard.js";
import { parseLoadSettings, planStages } from "../../pipeline/plan.js";
import { ProgressPrinter } from "../../pipeline/progress.js";
import { executeStages } from "../../pipeline/runner.js";
import { parseKeep, pruneRuns } from "../../pipeline/runs.js";
import { newPipelineState } from "../../pipeline/state.js";
import type { RunSummary } from "../../pipeline/types.js";
import { formatDuration } from "../../report/html.js";

/** The repository's services (or packages): every folder under services/ (packages/) with a package.json. */
function listWorkspaceFolders(root: string, parent: "services" | "packages"): string[] {
  const dir = join(root, parent);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "package.json")))
    .map((e) => e.name)
    .sort();
}

export interface PipelineOptions {
  all?: boolean;
  loadDuration?: string;
  connections?: string;
  /** How many runs to keep in .horizon/runs, this one included. */
  keep?: string;
  json?: boolean;
}

interface PipelineContext {
  cwd: string;
  write: (text: string) => void;
  printer?: ProgressPrinter;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

/** Sortable by time, unique enough for two runs in one second. */
function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${randomBytes(2).toString("hex")}`;
}

/** `horizon pipeline`: the spec's pipeline on this machine, stage by stage, every artifact under .horizon/runs/<run-id>/. */
export async function runPipeline(options: PipelineOptions, context: PipelineContext): Promise<RunSummary> {
  const settings = parseLoadSettings(options.loadDuration, options.connections);
  const keep = parseKeep(options.keep);
  const root = await gitText(["rev-parse", "--show-toplevel"], { cwd: context.cwd }).catch(() => {
    throw new InputError(`${context.cwd} is not inside a git repository: the pipeline compares with the last green run through git`);
  });
  const horizonDir = join(root, HORIZON_DIR);
  const now = new Date();
  const runId = newRunId(now);
  const runDir = join(horizonDir, "runs", runId);
  // Each run keeps its logs, coverage, SBOM and load-test output: the oldest go before this one starts.
  await pruneRuns(join(horizonDir, "runs"), keep);
  await mkdir(runDir, { recursive: true });
  const previous = await readPipelineState(horizonDir);
  const state = newPipelineState([]);
  const manifestsDir = join(horizonDir, "manifests");
  const services = listWorkspaceFolders(root, "services");
  const packages = listWorkspaceFolders(root, "packages");
  const { stages, platform } = planStages(state, { ...settings, root, runDir, runId, horizonDir, manifestsDir, all: options.all ?? false, previous, services, packages });
  const commit = await gitText(["rev-parse", "HEAD"], { cwd: root }).catch(() => undefined);
  const summary: RunSummary = { runId, startedAt: now.toISOString(), durationMs: 0, status: "running", commit, services: [], stages: [] };
  const printer = context.printer ?? new ProgressPrinter();
  printer.line(`horizon pipeline: run ${runId} (artifacts in ${relative(context.cwd, runDir) || runDir})`);
  try {
    await executeStages(stages, { summary, runDir, root, printer, signal: context.signal, onStageDone: () => (summary.services = state.services) });
  } finally {
    // Whatever happened, no service is left running.
    await platform.current?.process.stop();
  }
  summary.services = state.services;
  const dashboard = await writeDashboard(root, runDir, manifestsDir);

  if (summary.status === "passed" && state.tree) {
    await writePipelineState(horizonDir, { lastGreen: { runId, commit, tree: state.tree, finishedAt: summary.finishedAt ?? new Date().toISOString() } });
  }
  const verdict = summary.status === "passed" ? "passed" : summary.status === "interrupted" ? "was interrupted" : "FAILED";
  printer.line(`\nrun ${runId} ${verdict} in ${formatDuration(summary.durationMs)}${summary.failure ? `: ${summary.failure}` : ""}`);
  printer.line(`dashboard: ${relative(context.cwd, dashboard)}`);
  if (options.json) context.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.status === "interrupted") throw new ExitError(ExitCode.Interrupted, "interrupted: the platform and every process the run started were stopped");
  if (summary.status === "failed") throw new CheckFailedError(`pipeline failed: ${summary.failure ?? "a stage failed"}`);
  return summary;
}
