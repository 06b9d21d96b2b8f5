/**
 * Start-up as a user meets it: the bin as a process (not through npx, not in
 * this process), timed against a bare `node -e ""` in the same run, runs
 * interleaved so that load on the machine falls on both alike.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

export const HORIZON_BIN = fileURLToPath(new URL("../bin/horizon.js", import.meta.url));

export interface ProcessTimes {
  label: string;
  ms: number[];
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Runs each command once per round, in turn, for `rounds` rounds; a command that fails stops the bench. */
export function timeProcesses(commands: { label: string; args: (round: number) => string[] }[], rounds: number): ProcessTimes[] {
  const times = commands.map((c) => ({ label: c.label, ms: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    commands.forEach((command, i) => {
      const args = command.args(round);
      const start = performance.now();
      const run = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CI: "" } });
      const elapsed = performance.now() - start;
      if (run.status !== 0) throw new Error(`${command.label} exited ${String(run.status)}: ${run.stderr.toString().trim()}`);
      times[i]?.ms.push(elapsed);
    });
  }
  return times;
}

/** One line per command: median, min, max, and the ratio of its median to the baseline's. */
export function formatProcessTimes(times: readonly ProcessTimes[], baseline: ProcessTimes): string {
  const base = median(baseline.ms);
  const width = Math.max(...times.map((t) => t.label.length));
  return times
    .map((t) => {
      const m = median(t.ms);
      const ratio = t === baseline ? "baseline" : `${(m / base).toFixed(1)}x node -e ""`;
      return `  ${t.label.padEnd(width)}  median ${m.toFixed(1)} ms, min ${Math.min(...t.ms).toFixed(1)} ms, max ${Math.max(...t.ms).toFixed(1)} ms (${t.ms.length} runs)  ${ratio}`;
    })
    .join("\n");
}
