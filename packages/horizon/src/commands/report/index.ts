import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseSince } from "../../core/history.js";
import { InputError } from "../../errors.js";
import { assertEnvironment } from "../../gitops/manifests.js";
import { writeFileAtomic } from "../../io/fs.js";
import { gatherDashboard } from "../../report/gather.js";
import { renderDashboard } from "../../report/render.js";

export interface ReportOptions {
  run?: string;
  manifests?: string;
  env?: string;
  since?: string;
  out?: string;
  json?: boolean;
}

interface ReportContext {
  cwd: string;
  write: (text: string) => void;
  now?: Date;
}

/** Where `horizon pipeline` keeps its runs and its manifests repo, relative to the repository root. */
export const HORIZON_DIR = ".horizon";

/** The newest run folder under .horizon/runs (run ids sort by time). */
export function latestRunDir(cwd: string): string | undefined {
  const runs = join(cwd, HORIZON_DIR, "runs");
  if (!existsSync(runs)) return undefined;
  const ids = readdirSync(runs, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const last = ids.at(-1);
  return last ? join(runs, last) : undefined;
}

/** `horizon report`: the delivery dashboard as one HTML file that opens from disk. */
export async function runReport(options: ReportOptions, context: ReportContext): Promise<string> {
  const now = context.now ?? new Date();
  const runDir = options.run ? resolve(context.cwd, options.run) : latestRunDir(context.cwd);
  if (options.run && (!runDir || !existsSync(join(runDir, "summary.json")))) {
    throw new InputError(`--run ${options.run}: no summary.json there (a run folder is .horizon/runs/<run-id>)`);
  }
  if (runDir) assertRunSummary(join(runDir, "summary.json"));
  const manifestsDir = resolve(context.cwd, options.manifests ?? join(HORIZON_DIR, "manifests"));
  if (options.manifests && !existsSync(join(manifestsDir, ".git"))) {
    throw new InputError(`--manifests ${options.manifests}: not a git repository`);
  }
  if (options.env && existsSync(join(manifestsDir, ".git"))) assertEnvironment(manifestsDir, options.env);
  const since = options.since ? parseSince(options.since, now) : undefined;
  const sinceDays = since ? Math.max(1, Math.round((now.getTime() - since.getTime()) / 86_400_000)) : undefined;
  const out = resolve(context.cwd, options.out ?? join(runDir ?? join(context.cwd, HORIZON_DIR), "dashboard.html"));
  // The runs listed are those beside this one (or the default folder's).
  const runsDir = runDir && basename(dirname(runDir)) === "runs" ? dirname(runDir) : join(context.cwd, HORIZON_DIR, "runs");
  const data = await gatherDashboard({ runDir, runsDir, pageDir: dirname(out), manifestsDir, environment: options.env, sinceDays, now });
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, renderDashboard(data), "dashboard");
  if (options.json) context.write(`${JSON.stringify({ out, ...data }, null, 2)}\n`);
  else context.write(`dashboard written to ${displayPath(context.cwd, out)} (open it in a browser)\n`);
  return out;
}


/** A summary.json that is there but unreadable is an error, not "no pipeline run yet". */
function assertRunSummary(file: string): void {
  if (!existsSync(file)) return;
  let stages: unknown;
  try {
    stages = (JSON.parse(readFileSync(file, "utf8")) as { stages?: unknown } | null)?.stages;
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(stages)) throw new InputError(`${file}: not a run summary (no "stages" list)`);
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") ? rel : path;
}
