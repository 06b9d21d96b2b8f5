import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { atTime, createSourceRepo } from "../../../test/fixtures/manifests-helpers/dora-repos.js";
import { runRollback } from "../release/rollback.js";
import { runSetImage } from "../release/set-image.js";
import type { CommandContext } from "../cli-support.js";
import { runDora } from "./index.js";

/*
 * `horizon dora --definition fourkeys` against an independent implementation of dora-team/fourkeys' published
 * queries (github.com/dora-team/fourkeys at 6cc642e): the tables of queries/changes.sql, queries/deployments.sql
 * and queries/incidents.sql, and the stat panels "Deployment Frequency", "Lead Time to Change Bucket", "Change
 * Failure Rate" and "Median Time to Restore Services" of dashboard/fourkeys_dashboard.json. The history is
 * generated on real git repositories, one push per deployment: each push's head is deployed to both services.
 * The events below are what fourkeys' GitHub parser (bq-workers/github-parser/main.py) would have stored: a push
 * with id and time of its head commit and its commits, a deployment_status with the deployed sha, issues.
 */

interface PushEvent { id: string; time: number; commits: Array<{ id: string; timestamp: number }> }
interface DeployEvent { id: string; time: number; sha: string }
interface IssueEvent { number: string; createdAt: number; closedAt: number | null; body: string }

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const NOW = new Date("2026-03-30T15:00:00Z");

/** PERCENTILE_CONT(x, 0.5), NULLs ignored. */
function percentileCont(values: ReadonlyArray<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const pos = (v.length - 1) * 0.5;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (v[lo]) + ((v[hi]) - (v[lo])) * (pos - lo);
}
/** TIMESTAMP_DIFF(a, b, unit). */
const timestampDiff = (a: number, b: number, unit: number): number => Math.trunc((a - b) / unit);
/** TIMESTAMP_TRUNC(t, DAY) and DATE(t). */
const truncDay = (t: number): number => t - (((t % DAY) + DAY) % DAY);
/** TIMESTAMP_TRUNC(t, WEEK): weeks start on Sunday. */
const truncWeek = (t: number): number => truncDay(t) - new Date(t).getUTCDay() * DAY;
const truncMonth = (t: number): number => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), 1);

function fourkeys(pushes: PushEvent[], deploys: DeployEvent[], issues: IssueEvent[], now: number, windowDays: number) {
  // CURRENT_DATE() and DATE_SUB(CURRENT_DATE(), INTERVAL 3 MONTH), as `--since <windowDays>d` reads it.
  const currentDate = truncDay(now);
  const since = truncDay(now - windowDays * DAY);

  // changes.sql
  const changes = new Map<string, number>();
  for (const p of pushes) for (const c of p.commits) changes.set(c.id, Math.floor(c.timestamp / 1000) * 1000);

  // deployments.sql: deploys JOIN changes_raw ON id = main_commit, ARRAY_AGG(DISTINCT commit id)
  const deployments = deploys.flatMap((d) => {
    const joined = pushes.filter((p) => p.id === d.sha);
    if (joined.length === 0) return [];
    return [{ deploy_id: d.id, time_created: d.time, changes: [...new Set(joined.flatMap((p) => p.commits.map((c) => c.id)))] }];
  });

  // incidents.sql
  const roots = deployments.flatMap((d) => d.changes.map((change) => ({ time_created: d.time_created, changes: change })));
  const incidents = issues.map((issue) => {
    const rootCause = /root cause: ([A-Za-z0-9]*)/.exec(issue.body)?.[1] ?? null;
    const joined = roots.filter((r) => r.changes === rootCause);
    const rows = joined.length > 0 ? joined.map((r) => ({ root: r })) : [{ root: null }];
    return {
      incident_id: issue.number,
      time_created: Math.min(...rows.map(({ root }) => (root !== null && root.time_created < issue.createdAt ? root.time_created : issue.createdAt))),
      time_resolved: issue.closedAt,
      changes: rows.map(() => rootCause).filter((c): c is string => c !== null),
    };
  });

  // Lead Time to Change Bucket
  const pairs = deployments.filter((d) => d.time_created > since).flatMap((d) => d.changes.map((change) => ({ d, c: changes.get(change) ?? null })));
  const minutes = pairs.map(({ d, c }) => (c === null ? null : timestampDiff(d.time_created, c, MINUTE))).map((m) => (m !== null && m > 0 ? m : null));
  const medianTimeToChange = percentileCont(minutes) ?? 0;
  const leadBucket =
    medianTimeToChange < 24 * 60 ? "One day" : medianTimeToChange < 168 * 60 ? "One week" : medianTimeToChange < 730 * 60 ? "One month" : medianTimeToChange < 730 * 6 * 60 ? "Six months" : "One year";

  // Deployment Frequency
  const firstEvent = truncDay(Math.min(...pushes.map((p) => p.time), ...deploys.map((d) => d.time), ...issues.map((i) => i.createdAt)));
  const days: number[] = [];
  for (let day = since; day <= currentDate; day += DAY) if (day > firstEvent) days.push(day);
  const deploymentDays = deployments.map((d) => truncDay(d.time_created));
  const weekRows = new Map<number, { week_deployed: number; days_deployed: Set<number> }>();
  for (const day of days) {
    const row = weekRows.get(truncWeek(day)) ?? { week_deployed: 0, days_deployed: new Set<number>() };
    if (deploymentDays.includes(day)) {
      row.week_deployed = 1;
      row.days_deployed.add(day);
    }
    weekRows.set(truncWeek(day), row);
  }
  const weeks = [...weekRows].map(([week, r]) => ({ week, week_deployed: r.week_deployed, days_deployed: r.days_deployed.size }));
  const monthly = weeks.map((w) => weeks.filter((x) => truncMonth(x.week) === truncMonth(w.week)).reduce((n, x) => n + x.week_deployed, 0));
  const daily = (percentileCont(weeks.map((w) => w.days_deployed)) ?? 0) >= 3;
  const weekly = (percentileCont(weeks.map((w) => w.week_deployed)) ?? 0) >= 1;
  const frequency = weeks.length === 0 ? null : daily ? "Daily" : weekly ? "Weekly" : (percentileCont(monthly) ?? 0) >= 1 ? "Monthly" : "Yearly";

  // Change Failure Rate
  const incidentChanges = incidents.flatMap((i) => i.changes.map((change) => ({ incident_id: i.incident_id, change })));
  // FROM deployments d, d.changes LEFT JOIN changes c LEFT JOIN (incidents i, i.changes change): one row per match, or one with NULLs.
  interface CfrRow { deploy_id: string; change_id: string | null; incident_id: string | null }
  const cfrRows: CfrRow[] = deployments
    .filter((d) => d.time_created > since)
    .flatMap((d) =>
      d.changes.flatMap((change): CfrRow[] => {
        const matches = incidentChanges.filter((i) => i.change === change);
        const change_id = changes.has(change) ? change : null;
        return matches.length === 0 ? [{ deploy_id: d.deploy_id, change_id, incident_id: null }] : matches.map((i) => ({ deploy_id: d.deploy_id, change_id, incident_id: i.incident_id }));
      }),
    );
  const distinctChanges = new Set(cfrRows.map((r) => r.change_id).filter((c) => c !== null)).size;
  const failed = cfrRows.filter((r) => r.incident_id !== null).length;
  const distinctDeploys = new Set(cfrRows.map((r) => r.deploy_id)).size;
  const changeFailRate = distinctChanges === 0 ? 0 : failed / distinctDeploys;
  const cfrBucket = changeFailRate <= 0.15 ? "0-15%" : changeFailRate < 0.46 ? "16-45%" : "46-60%";

  // Median Time to Restore Services
  const restoring = incidents.filter((i) => i.time_created > since);
  const medianHours = percentileCont(restoring.map((i) => (i.time_resolved === null ? null : timestampDiff(i.time_resolved, i.time_created, HOUR))));
  const restoreBucket =
    restoring.length === 0 ? null : medianHours === null ? "One year" : medianHours < 24 ? "One day" : medianHours < 168 ? "One week" : medianHours < 730 ? "One month" : medianHours < 730 * 6 ? "Six months" : "One year";

  return {
    deploymentFrequency: frequency,
    leadTime: { bucket: leadBucket, medianMinutes: percentileCont(minutes) },
    changeFailureRate: { bucket: cfrBucket, rate: changeFailRate, numerator: failed, denominator: distinctDeploys },
    timeToRestore: { bucket: restoreBucket, medianHours },
  };
}

/** The history's irregular gaps and delays: a fixed sequence in [0, 1), the same on every run. */
const spread = (i: number, salt: number): number => ((i * 7919 + salt * 104_729) % 1000) / 1000;

const SERVICES = ["payment-service", "campaign-service"];
let manifests = "";
let source = "";
let scratch = "";
const pushes: PushEvent[] = [];
const deploys: DeployEvent[] = [];
const issues: IssueEvent[] = [];
const context: CommandContext = { cwd: "/", write: () => undefined, now: () => NOW };

beforeAll(async () => {
  useTestGitEnv();
  manifests = await createManifestsRepo("kustomize");
  scratch = tempDir("fourkeys");
  const repo = await createSourceRepo();
  source = repo.dir;
  // 30 pushes from 2025-12-15 (before the 90-day window) to the end of March; the first one has one commit.
  let time = Date.parse("2025-12-15T09:00:00Z");
  for (let i = 0; i < 30; i++) {
    time += Math.floor((i % 7 === 3 ? 4 : 0.3 + spread(i, 1) * 2) * DAY);
    const count = i === 0 ? 1 : 1 + Math.floor(spread(i, 2) * 4);
    const commits: PushEvent["commits"] = [];
    for (let k = 0; k < count; k++) {
      // Commits of a push are hours apart, the head last; push 5's second commit is dated after its deployment (a skewed clock).
      const stamp = i === 5 && k === 1 && count > 2 ? time + 2 * DAY : time - (count - 1 - k) * Math.floor(spread(i * 5 + k, 3) * 5 * HOUR);
      const id = await repo.commit(new Date(stamp).toISOString(), { [`services/${SERVICES[k % 2]}/src/f${i}-${k}.ts`]: `${i} ${k}\n` });
      commits.push({ id, timestamp: Math.floor(stamp / 1000) * 1000 });
    }
    const head = commits[commits.length - 1];
    pushes.push({ id: head.id, time: head.timestamp, commits });
    // Deployed 20 s (0 whole minutes: dropped) to 3 days after the head commit.
    const deployedAt = head.timestamp + (i === 7 ? 20_000 : Math.floor(spread(i, 4) * 3 * DAY));
    for (const [s, service] of SERVICES.entries()) {
      const when = deployedAt + s * MINUTE;
      await atTime(when, () =>
        runSetImage(
          { manifests, env: "production", service, image: `ghcr.io/blessed-horizon/${service}:p${i}`, sourceSha: head.id, sourceTime: new Date(head.timestamp).toISOString() },
          context,
        ),
      );
      deploys.push({ id: `${i}-${service}`, time: Math.floor(when / 1000) * 1000, sha: head.id });
    }
    // Rollbacks are no incidents: fourkeys does not count them.
    if (i % 9 === 4) await atTime(deployedAt + 30 * MINUTE, () => runRollback({ manifests, env: "production", service: "payment-service" }, context));
    time = Math.max(time, deployedAt + 2 * MINUTE);
  }
  const deployOf = (i: number) => (deploys[i * 2]).time;
  const commitOf = (i: number, k: number) => (pushes[i]).commits[Math.min(k, (pushes[i]).commits.length - 1)]?.id;
  const issue = (n: string, createdAt: number, closedAt: number | null, rootCause?: string) =>
    issues.push({ number: n, createdAt, closedAt, body: rootCause ? `It broke.\n\nroot cause: ${rootCause}` : "It broke." });
  issue("1", deployOf(10) + 2 * HOUR, deployOf(10) + 7.5 * HOUR, commitOf(10, 0));
  issue("2", deployOf(20) + DAY, deployOf(20) + DAY + 3 * HOUR, commitOf(20, 9));
  issue("3", deployOf(15) + 5 * HOUR, deployOf(15) + 15 * HOUR + 59 * MINUTE);
  issue("4", deployOf(25) + HOUR, null, commitOf(25, 1));
  issue("5", deployOf(18) + HOUR, deployOf(18) + 50 * HOUR, "f".repeat(40));
  issue("6", deployOf(1) + HOUR, deployOf(1) + 4 * HOUR, commitOf(1, 0));
  issue("7", deployOf(12) - 3 * HOUR, deployOf(12) + 30 * HOUR, commitOf(12, 0));
  writeFileSync(
    join(scratch, "incidents.json"),
    JSON.stringify(
      issues.map((i) => ({
        id: i.number,
        openedAt: new Date(i.createdAt).toISOString(),
        resolvedAt: i.closedAt === null ? null : new Date(i.closedAt).toISOString(),
        ...(/root cause: (\w+)/.exec(i.body) ? { rootCause: /root cause: (\w+)/.exec(i.body)?.[1] } : {}),
      })),
    ),
  );
}, 120_000);
afterAll(() => removeAll(manifests, source, scratch));

describe("horizon dora --definition fourkeys", () => {
  it("gives exactly what fourkeys' published queries give on the same history", async () => {
    expect(Math.max(...deploys.map((d) => d.time), ...issues.map((i) => i.closedAt ?? 0))).toBeLessThan(NOW.getTime());
    const expected = fourkeys(pushes, deploys, issues, NOW.getTime(), 90);
    // The history exercises what the formulas decide: 0-minute and negative lead times, an incident blaming a
    // change two deployments brought, one opened before its deployment, an open one, one linking nothing.
    expect(expected.changeFailureRate.numerator).toBeGreaterThan(expected.changeFailureRate.denominator / 10);
    const report = await runDora({ manifests, env: "production", since: "90d", definition: "fourkeys", source, incidents: join(scratch, "incidents.json"), json: true }, context);
    if (report.definition !== "fourkeys") throw new Error("expected the fourkeys report");
    expect({
      deploymentFrequency: report.deploymentFrequency.bucket,
      leadTime: { bucket: report.leadTime.bucket, medianMinutes: report.leadTime.medianMinutes },
      changeFailureRate: { bucket: report.changeFailureRate.bucket, rate: report.changeFailureRate.rate, numerator: report.changeFailureRate.numerator, denominator: report.changeFailureRate.denominator },
      timeToRestore: { bucket: report.timeToRestore.bucket, medianHours: report.timeToRestore.medianHours },
    }).toEqual(expected);
    expect(report.leadTime.basis).toBe("release-commits");
    // Pairs of 0 minutes or less were there, and dropped.
    const since = NOW.getTime() - 90 * DAY - (NOW.getTime() % DAY);
    const pairs = deploys.filter((d) => d.time > since).reduce((n, d) => n + (pushes.find((p) => p.id === d.sha)?.commits.length ?? 0), 0);
    expect(report.leadTime.samples).toBeLessThan(pairs);
    expect([expected.leadTime.medianMinutes, expected.timeToRestore.medianHours].includes(null)).toBe(false);
  });

  it("rejects an unknown definition with exit 2", async () => {
    await expect(runDora({ manifests, env: "production", since: "90d", definition: "devlake" }, context)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("--definition \"devlake\"") });
  });
});
