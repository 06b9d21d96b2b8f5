import type { DoraReport } from "./dora.js";

/** "1 day", "2 days": a count with its noun in agreement. */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "n/a";
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const tier = (t: string | null): string => (t === null ? "no data" : t);

/** The four keys as a short text table. */
export function formatDora(report: DoraReport, environment: string): string {
  const f = report.deploymentFrequency;
  const cfr = report.changeFailureRate;
  const lines = [
    `DORA for ${environment}, ${report.window.start.slice(0, 10)} .. ${report.window.end.slice(0, 10)} (${report.window.days.toFixed(1)} days, tiers: ${report.preset}; DORA's published definitions)`,
    `  deployment frequency  ${f.deployDaysPerWeek.toFixed(2)} deploy days/week (${count(f.deployments, "deployment")} on ${count(f.deployDays, "day")} in ${f.weeks.toFixed(1)} weeks since the first)  ${f.tier}`,
    `  lead time for changes ${formatDuration(report.leadTime.medianSeconds)} median of ${report.leadTime.samples}  ${tier(report.leadTime.tier)}`,
    `  change failure rate   ${cfr.rate === null ? "n/a" : `${(cfr.rate * 100).toFixed(1)}%`} (${cfr.failed}/${cfr.deployments})  ${tier(cfr.tier)}`,
    `  time to restore       ${formatDuration(report.timeToRestore.medianSeconds)} median of ${report.timeToRestore.samples}  ${tier(report.timeToRestore.tier)}`,
  ];
  for (const failure of report.failures) {
    lines.push(`  failed: ${failure.commit.slice(0, 12)} ${failure.service} (${failure.causes.join(", ")})${failure.restoredAt === undefined ? " not restored" : ""}`);
  }
  if (report.unlinkedIncidents.length > 0) lines.push(`  incidents that link no deployment (not counted): ${report.unlinkedIncidents.join(", ")}`);
  return `${lines.join("\n")}\n`;
}
