import { access, constants } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { ExternalError, InputError } from "../../errors.js";
import type { LoadTestReport } from "../../evidence/load.js";
import { writeFileAtomic } from "../../io/fs.js";
import { runLoadTest } from "./run.js";
import { parseDuration, parsePositive, parseTarget } from "./target.js";

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

export interface LoadtestContext {
  cwd: string;
  write: (text: string) => void;
  progress: (text: string) => void;
  signal?: AbortSignal;
}

export function formatLoadSummary(report: LoadTestReport): string {
  const { latencyMs: l, errors: e, requests: r } = report;
  const target = report.targetRps === null ? "" : `, target ${String(report.targetRps)} req/s`;
  return [
    `${report.url}: ${String(report.connections)} connections for ${String(report.durationSeconds)} s${target}`,
    `requests   ${String(r.total)} (${String(r.perSecond)} req/s)`,
    `latency    p50 ${String(l.p50)} ms  p90 ${String(l.p90)} ms  p95 ${String(l.p95)} ms  p99 ${String(l.p99)} ms  max ${String(l.max)} ms`,
    `errors     ${String(e.total)} errors, ${String(e.non2xx)} non-2xx, ${String(e.timeouts)} timeouts: ${String(Number((e.rate * 100).toFixed(4)))}% of requests sent`,
    "",
  ].join("\n");
}

/** `horizon loadtest`: validates everything before sending a request, runs, writes the report, prints a summary. */
export async function runLoadtestCommand(options: LoadtestOptions, context: LoadtestContext): Promise<LoadTestReport> {
  const url = parseTarget(options.url, options.allowRemote ?? false);
  const connections = parsePositive(options.connections, "--connections", true);
  const durationSeconds = parseDuration(options.duration);
  const timeoutSeconds = parseDuration(options.timeout);
  const targetRps = options.rps === undefined ? undefined : parsePositive(options.rps, "--rps", false);
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

export function registerLoadtest(program: Command): void {
  program
    .command("loadtest")
    .description("load-test an HTTP endpoint with autocannon and measure p50/p90/p95/p99 latency and the error rate")
    .requiredOption("--url <url>", "the endpoint, e.g. http://127.0.0.1:3000/health")
    .option("--connections <n>", "concurrent connections (the spec's concurrent users)", "100")
    .option("--duration <time>", "how long to run: 30s, 2m, 500ms", "30s")
    .option("--rps <n>", "hold this many requests per second in total (default: as fast as the server answers)")
    .option("--timeout <time>", "a request without an answer after this long counts as a timeout", "10s")
    .option("--out <file>", "write the JSON report here (what `horizon gate --load` reads)")
    .option("--json", "print the JSON report instead of the summary")
    .option("--allow-remote", "allow a URL that is not this machine (localhost, 127.0.0.0/8, ::1)")
    .addHelpText(
      "after",
      "\nProgress goes to stderr every second. errors.rate = (errors + non-2xx) / requests sent.\nExit codes: 0 ran (judge the result with `horizon gate --load`), 2 bad option or non-loopback URL, 3 no request answered.",
    )
    .action(async (options: LoadtestOptions) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      try {
        await runLoadtestCommand(options, {
          cwd: process.cwd(),
          write: (text) => process.stdout.write(text),
          progress: (text) => process.stderr.write(text),
          signal: abort.signal,
        });
      } finally {
        process.off("SIGINT", stop);
      }
    });
}
