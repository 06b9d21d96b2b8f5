/**
 * Start-up as a user meets it: the bin as a process (not through npx, not in
 * this process), timed against a bare `node -e ""` in the same run, runs
 * interleaved so that load on the machine falls on both alike.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

export const HORIZON_BIN = fileURLToPath(new URL("../bin/horizon.js", import.meta.url));

export interface ProcessTimes {
  label: string;
  ms: number[];
  /** CPU time (user + system) of each run, from the kernel's count of waited-for children; empty where unknown. */
  cpuMs: number[];
}

/** CPU time of this process's waited-for children so far, in ms (Linux: /proc/self/stat cutime + cstime, 10 ms ticks). */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "(comm) ", field 3 is the state; cutime and cstime are fields 16 and 17 of the whole line.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Runs each command once per round, in turn, for `rounds` rounds; a command that fails stops the bench. */
export function timeProcesses(commands: { label: string; /** `attempt` counts the runs repeated because dist/ was rebuilt. */ args: (round: number, attempt: number) => string[]; /** Default: this node. */ command?: string }[], rounds: number): ProcessTimes[] {
  const times: ProcessTimes[] = commands.map((c) => ({ label: c.label, ms: [], cpuMs: [] }));
  for (let round = 0; round < rounds; round++) {
    commands.forEach((command, i) => {
      const spawn = (attempt: number) => spawnSync(command.command ?? process.execPath, command.args(round, attempt), { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CI: "" } });
      let start = performance.now();
      let cpu = childrenCpuMs();
      let run = spawn(0);
      // A source saved meanwhile makes the bin rebuild dist/ first: that run timed the build, so run it again.
      for (let attempt = 1; attempt <= 3 && run.stderr.toString().includes("; rebuilding ("); attempt++) {
        start = performance.now();
        cpu = childrenCpuMs();
        run = spawn(attempt);
      }
      const elapsed = performance.now() - start;
      const cpuAfter = childrenCpuMs();
      if (cpu !== undefined && cpuAfter !== undefined) times[i]?.cpuMs.push(cpuAfter - cpu);
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
