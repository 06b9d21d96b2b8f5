/**
 * `npm run bench:pipeline`: on a fresh clone of this repository's HEAD
 * (committed work only), `npm ci`, then in one go
 *   1. the full pipeline (no green run yet: every service and package),
 *   2. a re-run with one service's source changed,
 *   3. a re-run with only README.md changed,
 * and prints each run's wall time and the two ratios to the full run.
 * BENCH_SERVICE (trust-service), BENCH_LOAD_DURATION (10s) and BENCH_KEEP=1
 * change it. Every run must pass, or the bench stops.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVICE = process.env.BENCH_SERVICE ?? "trust-service";
const LOAD_DURATION = process.env.BENCH_LOAD_DURATION ?? "10s";

function step(label: string, command: string, args: string[], cwd: string): number {
  process.stdout.write(`\n== ${label}: ${command} ${args.join(" ")}\n`);
  const start = performance.now();
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, CI: "", FORCE_COLOR: "0" } });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${label} exited ${String(result.status ?? result.signal)} after ${seconds.toFixed(1)} s`);
  return seconds;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "horizon-bench-pipeline-"));
  try {
    const clone = join(dir, "repo");
    step("clone", "git", ["clone", "--quiet", REPO_ROOT, clone], dir);
    const install = step("npm ci", "npm", ["ci", "--no-audit", "--no-fund"], clone);
    const pipeline = (label: string) => step(label, process.execPath, ["packages/horizon/bin/horizon.js", "pipeline", "--load-duration", LOAD_DURATION], clone);

    const full = pipeline("full run");
    const source = join(clone, "services", SERVICE, "src", "app.ts");
    appendFileSync(source, `\n// bench: a change to ${SERVICE}\n`);
    const oneService = pipeline(`re-run, ${SERVICE} changed`);
    appendFileSync(join(clone, "README.md"), "\nA line of documentation.\n");
    const docsOnly = pipeline("re-run, README.md changed");

    const commit = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: clone }).stdout.toString().trim();
    const nodeVersion = process.version;
    const summary = JSON.parse(readFileSync(join(clone, ".horizon", "state.json"), "utf8")) as { lastGreen?: { runId?: string } };
    const row = (label: string, seconds: number, ratio = true): string =>
      `  ${label.padEnd(36)} ${seconds.toFixed(1).padStart(6)} s${ratio ? `   ${(seconds / full).toFixed(2)} of the full run` : ""}`;
    console.log(
      [
        "",
        `pipeline bench on a fresh clone of ${commit} (${nodeVersion}; npm ci ${install.toFixed(1)} s; --load-duration ${LOAD_DURATION}; last green run ${summary.lastGreen?.runId ?? "?"})`,
        row("full run", full, false),
        row(`re-run, ${SERVICE} changed`, oneService),
        row("re-run, README.md changed", docsOnly),
      ].join("\n"),
    );
  } finally {
    if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main();
