/**
 * `npm run bench -w packages/horizon`: times the bin's start-up (`--help`)
 * against a bare `node -e ""`, then builds a manifests repo of 200 services
 * x 3 environments with 10,000 release commits (git fast-import) and times,
 * as a user runs them (one `horizon` process each, start-up included, runs
 * interleaved so that load on the machine falls on all alike):
 * `release history`, `dora`, `compliance`, `report` (the dashboard) and
 * `release set-image`, each beside `git log` over the same repo in the same
 * run (the floor) and the ratio of their medians.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gitText } from "../src/io/git.js";
import { generateManifestsRepo } from "./generate.js";
import { formatProcessTimes, HORIZON_BIN, median, timeProcesses } from "./startup.js";
import type { ProcessTimes } from "./startup.js";

const SERVICES = Number(process.env.BENCH_SERVICES ?? 200);
const COMMITS = Number(process.env.BENCH_COMMITS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PROCESS_RUNS = Number(process.env.BENCH_PROCESS_RUNS ?? 21);
/** The targets of issue 14, as processes on this repo. */
const TARGET_MS: Readonly<Record<string, number>> = { "horizon release history": 500, "horizon dora": 500, "horizon compliance": 500, "horizon release set-image": 300 };

process.env.GIT_AUTHOR_NAME ??= "horizon bench";
process.env.GIT_AUTHOR_EMAIL ??= "bench@blessed-horizon.example";
process.env.GIT_COMMITTER_NAME ??= process.env.GIT_AUTHOR_NAME;
process.env.GIT_COMMITTER_EMAIL ??= process.env.GIT_AUTHOR_EMAIL;

/** The last whole month before `now`, UTC, as `yyyy-mm`: the generated history fills it. */
function lastMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/** Each command's median beside the floor's, with the ratio and, where the issue sets one, the target. */
function formatAgainstFloor(times: readonly ProcessTimes[], floor: ProcessTimes): string {
  const base = median(floor.ms);
  const width = Math.max(...times.map((t) => t.label.length));
  return times
    .map((t) => {
      const m = median(t.ms);
      const target = TARGET_MS[t.label];
      const verdict = target === undefined ? "" : m <= target ? `  (target ${target} ms: met)` : `  (target ${target} ms: MISSED)`;
      const ratio = t === floor ? "floor" : `${(m / base).toFixed(1)}x git log`;
      const cpu = t.cpuMs.length > 0 ? `, cpu ${median(t.cpuMs).toFixed(0).padStart(4)} ms` : "";
      return `  ${t.label.padEnd(width)}  median ${m.toFixed(0).padStart(4)} ms${cpu}, min ${Math.min(...t.ms).toFixed(0)}, max ${Math.max(...t.ms).toFixed(0)} (${t.ms.length} runs)  ${ratio}${verdict}`;
    })
    .join("\n");
}

async function main(): Promise<void> {
  // Build dist/ first if it is stale, so that no timed run pays for the build.
  timeProcesses([{ label: "warm-up", args: () => [HORIZON_BIN, "--version"] }], 1);
  const bare = { label: 'node -e ""', args: () => ["-e", ""] };
  const startup = timeProcesses([bare, { label: "horizon --help", args: () => [HORIZON_BIN, "--help"] }, { label: "horizon --version", args: () => [HORIZON_BIN, "--version"] }], PROCESS_RUNS);
  console.log(`start-up, as processes (${process.version}):\n${formatProcessTimes(startup, startup[0])}`);

  const start = performance.now();
  const { dir, deploys } = await generateManifestsRepo({ services: SERVICES, commits: COMMITS });
  const generated = performance.now() - start;
  const out = mkdtempSync(join(tmpdir(), "horizon-bench-report-"));
  try {
    const commits = await gitText(["rev-list", "--count", "HEAD"], { cwd: dir });
    console.log(`generated ${SERVICES} services x 3 environments, ${commits} commits (${deploys} deployments) in ${generated.toFixed(0)} ms at ${dir}`);
    const month = lastMonth(new Date());
    const service = (round: number): string => `service-${String((round * 53 + 11) % SERVICES).padStart(3, "0")}`;
    const horizon = (...args: string[]) => () => [HORIZON_BIN, ...args];
    const gitLog = { label: "git log (floor)", command: "git", args: () => ["-C", dir, "log"] };
    const times = timeProcesses(
      [
        gitLog,
        { label: "horizon release history", args: horizon("release", "history", "--manifests", dir, "--since", "365d", "--json") },
        { label: "horizon dora", args: horizon("dora", "--manifests", dir, "--env", "production", "--since", "365d") },
        { label: "horizon compliance", args: horizon("compliance", "--manifests", dir, "--month", month) },
        { label: "horizon report", args: horizon("report", "--manifests", dir, "--since", "365d", "--out", join(out, "dashboard.html")) },
        {
          label: "horizon release set-image",
          args: (round, attempt) => [HORIZON_BIN, "release", "set-image", "--manifests", dir, "--env", "staging", "--service", service(round), "--image", `ghcr.io/blessed-horizon/${service(round)}:proc-${round}-${attempt}`, "--source-sha", "abcdef0"],
        },
      ],
      RUNS,
    );
    console.log(`as processes on ${commits} commits (history and dora over 365 days, compliance for ${month}), beside \`git log\` in the same run:`);
    console.log(formatAgainstFloor(times, times[0]));
    console.log(`  (wall-clock medians; cpu is user + system time of the process and its git children. Of each horizon figure, start-up is about ${median(startup[1].ms).toFixed(0)} ms: horizon --help's median above)`);
    console.log(`  machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end (other work on the machine inflates wall time; cpu less so)`);
  } finally {
    rmSync(out, { recursive: true, force: true });
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
