import { access, constants } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ExternalError, InputError } from "../../errors.js";
import type { LoadTestReport } from "../../evidence/load.js";
import { writeFileAtomic } from "../../io/fs.js";
import { runLoadTest } from "./run.js";
import { parseDuration, parsePositive, parseTarget, parseTimeout } from "./target.js";

export interface LoadtestOptions {
  url: string;
  connections: string;
  duration: string;
  rps?: string;
  timeout: string;
  out?: string;
  json?: boolean;
  allowRemote?: boolean;
}

interface LoadtestContext {
  cwd: string;
  write: (text: string) => void;
  progress: (text: string) => void;
  signal?: AbortSignal;
}

function formatLoadSummary(report: LoadTestReport): string {
  const { latencyMs: l, errors: e, requests: r } = report;
  const target = report.targetRps === null ? "" : `, target ${String(report.targetRps)} req/s`;
  return [
    `${report.url}: ${String(report.connections)} connections for ${String(report.durationSeconds)} s${target}`,
    `requests   ${String(r.total)} (${String(r.perSecond)} req/s)`,
    `latency    p50 ${String(l.p50)} ms  p90 ${String(l.p90)} ms  p95 ${String(l.p95)} ms  p99 ${String(l.p99)} ms  max ${String(l.max)} ms`,
    `errors     ${String(e.total)} errors, ${String(e.non2xx)} non-2xx, ${String(e.timeouts)} timeouts: ${String(Number((e.rate * 100).toFixed(4)))}% of requests answered or failed`,
    "",
  ].join("\n");
}

/** `horizon loadtest`: validates everything before sending a request, runs, writes the report, prints a summary. */
export async function runLoadtestCommand(options: LoadtestOptions, context: LoadtestContext): Promise<LoadTestReport> {
  const url = parseTarget(options.url, options.allowRemote ?? false);
  const connections = parsePositive(options.connections, "--connections", true);
  const durationSeconds = parseDuration(options.duration);
  const timeoutSeconds = parseTimeout(options.timeout);
  // Whole: autocannon spreads the rate over connections in whole requests per second and refuses one below 1.
  const targetRps = options.rps === undefined ? undefined : parsePositive(options.rps, "--rps", true);
  const out = options.out === undefined ? undefined : resolve(context.cwd, options.out);
  // Find out now, not after a 30 s run, that the report cannot be written.
  if (out) {
    await access(dirname(out), constants.W_OK).catch((error: unknown) => {
      throw new InputError(`--out ${options.out ?? out}: cannot write in ${dirname(out)}`, { cause: error });
    });
  }

  const report = await runLoadTest({
    url,
    connections,
    durationSeconds,
    timeoutSeconds,
    ...(targetRps === undefined ? {} : { targetRps }),
    progress: (line) => context.progress(`${line}\n`),
    ...(context.signal ? { signal: context.signal } : {}),
  });
  if (out) await writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`, "load test report");
  context.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatLoadSummary(report));
  if (report.requests.total === 0) {
    throw new ExternalError(`${url.href} answered no request (${String(report.errors.total)} connection errors): is the server running?`);
  }
  return report;
}
