import type { DoraReport } from "./dora.js";
import type { FourKeysReport } from "./dora-fourkeys.js";

/** "1 day", "2 days": a count with its noun in agreement. */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "n/a";
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const tier = (t: string | null): string => (t === null ? "no data" : t);
const percent = (rate: number | null): string => (rate === null ? "n/a" : `${(rate * 100).toFixed(1)}%`);

/** What the lead time was measured from, in words. */
function leadBasis(report: DoraReport, source: string | undefined): string {
  const l = report.leadTime;
  if (l.deploymentsByCommits === 0) return `from the recorded source commit time (${source ?? "no source repository"})`;
  const rest = l.deploymentsBySourceTime > 0 ? `; ${count(l.deploymentsBySourceTime, "deployment")} from the recorded source commit time` : "";
  return `over every commit of the release (${source ?? "source repository"}${rest})`;
}

/** The four keys and rework rate as a short text table. `source` says where release commits were read from. */
export function formatDora(report: DoraReport, environment: string, source?: string): string {
  const f = report.deploymentFrequency;
  const cfr = report.changeFailureRate;
  const rw = report.reworkRate;
  const l = report.leadTime;
  const lines = [
    `DORA for ${environment}, ${report.window.start.slice(0, 10)} .. ${report.window.end.slice(0, 10)} (${report.window.days.toFixed(1)} days; definition: DORA's published one; tiers: ${report.preset}, ${report.presetReport})`,
    `  deployment frequency  ${f.deployDaysPerWeek.toFixed(2)} deploy days/week (${count(f.deployments, "deployment")} on ${count(f.deployDays, "day")} in ${f.weeks.toFixed(1)} weeks since the first; fourkeys bucket ${f.fourkeysBucket ?? "no data"})  ${f.tier}`,
    `  lead time for changes ${formatDuration(l.medianSeconds)} median of ${count(l.samples, "(deployment, commit) pair")}, ${leadBasis(report, source)}  ${tier(l.tier)}`,
    `  change failure rate   ${percent(cfr.rate)} (${cfr.numerator}/${cfr.denominator}: rolled back ${cfr.byCause.rollback}, of them canary-failed ${cfr.byCause.canaryFailed}; linked incidents ${cfr.byCause.incident})  ${tier(cfr.tier)}`,
    `  time to restore       ${formatDuration(report.timeToRestore.medianSeconds)} median of ${report.timeToRestore.samples} (failed-deployment recovery time${report.timeToRestore.notRestored > 0 ? `; ${report.timeToRestore.notRestored} not restored` : ""})  ${tier(report.timeToRestore.tier)}`,
    `  rework rate           ${percent(rw.rate)} (${rw.numerator}/${rw.denominator} deployments made while their service had an open failure, or within ${(rw.windowSeconds / 3600).toFixed(0)}h of a rollback)  no tier`,
  ];
  for (const failure of report.failures) {
    lines.push(`  failed: ${failure.commit.slice(0, 12)} ${failure.service} (${failure.causes.join(", ")})${failure.restoredAt === undefined ? " not restored" : ""}`);
  }
  for (const r of report.rework) lines.push(`  rework: ${r.commit.slice(0, 12)} ${r.service} (${r.because})`);
  if (report.unlinkedIncidents.length > 0) lines.push(`  incidents that link no deployment (not counted): ${report.unlinkedIncidents.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** fourkeys' four metrics as its dashboard's stat panels show them, with the numbers behind each bucket. */
export function formatFourKeys(report: FourKeysReport, environment: string, source?: string): string {
  const f = report.deploymentFrequency;
  const l = report.leadTime;
  const c = report.changeFailureRate;
  const t = report.timeToRestore;
  const lines = [
    `DORA for ${environment}, ${report.window.start.slice(0, 10)} .. ${report.window.end.slice(0, 10)} (definition: dora-team/fourkeys' dashboard queries)`,
    `  deployment frequency  ${f.bucket ?? "no data"} (median deploy days/week ${f.medianDaysDeployed ?? "n/a"}, median weeks deployed ${f.medianWeekDeployed ?? "n/a"}, median deploy weeks/month ${f.medianMonthlyDeploys ?? "n/a"} over ${count(f.weeks, "week")} since the first event; ${count(f.deployments, "deployment")})`,
    `  lead time for changes ${l.bucket} (median ${l.medianMinutes === null ? "n/a" : `${l.medianMinutes} min`} of ${count(l.samples, "(deployment, commit) pair")} over 0 min; ${l.basis === "release-commits" ? `every commit of the release, ${source ?? "source repository"}` : `recorded source commit only (${source ?? "no source repository"})`})`,
    `  change failure rate   ${c.bucket} (${percent(c.rate)} = ${c.numerator}/${c.denominator}: incident-change matches / deployments)`,
    `  time to restore       ${t.bucket ?? "no data"} (median ${t.medianHours === null ? "n/a" : `${t.medianHours} h`} over ${count(t.incidents, "incident")}, whole hours)`,
  ];
  if (report.leftOut > 0) lines.push(`  ${count(report.leftOut, "deployment")} without a source commit left out (fourkeys counts only deployments it can join to their changes)`);
  return `${lines.join("\n")}\n`;
}
