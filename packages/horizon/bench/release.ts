/**
 * `npm run bench -w packages/horizon`: times the bin's start-up (`--help`)
 * against a bare `node -e ""`, then builds a manifests repo of 200 services
 * x 3 environments with 10,000 deploy commits (git fast-import) and times
 * `horizon release set-image` (in this process and as a process), `dora` and
 * `history` on it, and prints the figures and ratios.
 */
import { rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { runDora } from "../src/commands/dora/index.js";
import { runHistory } from "../src/commands/release/history.js";
import { runSetImage } from "../src/commands/release/set-image.js";
import { git, gitText } from "../src/io/git.js";
import { generateManifestsRepo } from "./generate.js";
import { formatProcessTimes, HORIZON_BIN, median, timeProcesses } from "./startup.js";

const SERVICES = Number(process.env.BENCH_SERVICES ?? 200);
const COMMITS = Number(process.env.BENCH_COMMITS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PROCESS_RUNS = Number(process.env.BENCH_PROCESS_RUNS ?? 21);

process.env.GIT_AUTHOR_NAME ??= "horizon bench";
process.env.GIT_AUTHOR_EMAIL ??= "bench@blessed-horizon.example";
process.env.GIT_COMMITTER_NAME ??= process.env.GIT_AUTHOR_NAME;
process.env.GIT_COMMITTER_EMAIL ??= process.env.GIT_AUTHOR_EMAIL;

const ms = (start: number): number => performance.now() - start;
const fmt = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${median.toFixed(0)} ms, min ${(sorted[0] ?? 0).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms (${values.length} runs)`;
};
const quiet = { cwd: process.cwd(), write: (): void => undefined };

async function main(): Promise<void> {
  // Build dist/ first if it is stale, so that no timed run pays for the build.
  timeProcesses([{ label: "warm-up", args: () => [HORIZON_BIN, "--version"] }], 1);
  const bare = { label: 'node -e ""', args: () => ["-e", ""] };
  const startup = timeProcesses([bare, { label: "horizon --help", args: () => [HORIZON_BIN, "--help"] }, { label: "horizon --version", args: () => [HORIZON_BIN, "--version"] }], PROCESS_RUNS);
  console.log(`start-up, as processes (${process.version}):\n${formatProcessTimes(startup, startup[0])}`);

  let start = performance.now();
  const { dir, deploys } = await generateManifestsRepo({ services: SERVICES, commits: COMMITS });
  const generated = ms(start);
  try {
    const commits = await gitText(["rev-list", "--count", "HEAD"], { cwd: dir });
    console.log(`generated ${SERVICES} services x 3 environments, ${commits} commits (${deploys} deployments) in ${generated.toFixed(0)} ms at ${dir}`);

    const setImage: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      start = performance.now();
      const outcome = await runSetImage(
        { manifests: dir, env: "production", service: `service-${String(i * 37 % SERVICES).padStart(3, "0")}`, image: `ghcr.io/blessed-horizon/service-${String(i * 37 % SERVICES).padStart(3, "0")}:bench-${i}`, sourceSha: "abcdef0", sourceTime: new Date().toISOString() },
        quiet,
      );
      setImage.push(ms(start));
      if (outcome.status !== "committed") throw new Error(`set-image did not commit: ${outcome.status}`);
    }
    console.log(`set-image (plan, edit, commit):  ${fmt(setImage)}`);

    // The same command as CI runs it: one process per release.
    const service = (round: number): string => `service-${String((round * 53 + 11) % SERVICES).padStart(3, "0")}`;
    const processes = timeProcesses(
      [
        bare,
        {
          label: "horizon release set-image",
          args: (round) => [HORIZON_BIN, "release", "set-image", "--manifests", dir, "--env", "staging", "--service", service(round), "--image", `ghcr.io/blessed-horizon/${service(round)}:proc-${round}`, "--source-sha", "abcdef0"],
        },
      ],
      RUNS,
    );
    console.log(`set-image as a process, ${commits} commits:\n${formatProcessTimes(processes, processes[0])}`);
    console.log(`  of which start-up: ${((median(startup[1].ms) / median(processes[1].ms)) * 100).toFixed(0)}% (horizon --help's median over set-image's)`);

    const dora: number[] = [];
    let report: Awaited<ReturnType<typeof runDora>> | undefined;
    for (let i = 0; i < RUNS; i++) {
      start = performance.now();
      report = await runDora({ manifests: dir, env: "production", since: "365d" }, quiet);
      dora.push(ms(start));
    }
    console.log(`dora (one git log, 365 days):    ${fmt(dora)}`);
    if (report) {
      console.log(
        `  production: ${report.deploymentFrequency.deployments} deployments, ${report.deploymentFrequency.deployDaysPerWeek.toFixed(2)} deploy days/week (${report.deploymentFrequency.tier}), ` +
          `lead ${((report.leadTime.medianSeconds ?? 0) / 3600).toFixed(1)} h (${report.leadTime.tier ?? "n/a"}), ` +
          `CFR ${((report.changeFailureRate.rate ?? 0) * 100).toFixed(1)}% (${report.changeFailureRate.tier ?? "n/a"}), ` +
          `restore ${((report.timeToRestore.medianSeconds ?? 0) / 3600).toFixed(1)} h (${report.timeToRestore.tier ?? "n/a"})`,
      );
    }

    start = performance.now();
    const entries = await runHistory({ manifests: dir, since: "365d", json: true }, quiet);
    console.log(`history (365 days, signatures checked): ${ms(start).toFixed(0)} ms for ${entries.length} entries`);
    await git(["count-objects", "-vH"], { cwd: dir }).then(({ stdout }) => console.log(`repo: ${stdout.split("\n").find((l) => l.startsWith("size-pack")) ?? ""}`));
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
