import { computeDora } from "../../core/dora.js";
import type { DoraReport } from "../../core/dora.js";
import { formatDora } from "../../core/dora-format.js";
import { toDeployments } from "../../core/history.js";
import { InputError } from "../../errors.js";
import { listEnvironments } from "../../gitops/layout.js";
import { isVerifiedSignature, readAuditTrail } from "../../gitops/release-log.js";
import { assertGitRepository } from "../../gitops/repo.js";
import { manifestsRoot } from "../cli-support.js";
import { readIncidents } from "../shared/incidents.js";
import type { CommandContext } from "../cli-support.js";

export interface ComplianceOptions {
  manifests: string;
  month: string;
  incidents?: string;
  json?: boolean;
}

interface ComplianceReport {
  month: string;
  environments: Array<{
    environment: string;
    deployments: number;
    deployCommits: number;
    rollbacks: number;
    dora: DoraReport;
  }>;
  /** Release commits of the month without a verified signature (spec §11.1: signed commits required). */
  unsigned: Array<{ commit: string; time: string; environment: string; action: string; author: string; signature: string; subject: string }>;
  /** Refused actions done anyway (`--break-glass`), with their reason: each one is for a reviewer to look at. */
  breakGlass: Array<{ commit: string; time: string; environment: string; action: string; author: string; reason: string; subject: string }>;
  /** Flag changes (`horizon flags set` and `promote` commits): each flag, what it serves now, where and by whom. */
  flags: Array<{ commit: string; time: string; environment: string; flag: string; value: string; author: string; signed: boolean; breakGlass: string | null; subject: string }>;
  /** Findings: changes of an environment made without horizon (no Horizon trailers), one per commit and service. */
  unmanaged: Array<{
    commit: string;
    time: string;
    environment: string;
    service: string;
    image: string | null;
    author: string;
    authorEmail: string;
    signature: string;
    signed: boolean;
    subject: string;
  }>;
}

function monthWindow(month: string): { start: Date; end: Date } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new InputError(`--month "${month}" is not a month like 2026-01`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { start: new Date(Date.UTC(year, index, 1)), end: new Date(Date.UTC(year, index + 1, 1)) };
}

/** `horizon compliance`: spec §11.1's monthly report. */
export async function runCompliance(options: ComplianceOptions, context: CommandContext): Promise<ComplianceReport> {
  const root = manifestsRoot(context.cwd, options.manifests);
  const { start, end } = monthWindow(options.month);
  const incidents = await readIncidents(context.cwd, options.incidents);
  await assertGitRepository(root);
  const environments = listEnvironments(root);
  // Later commits count too: a rollback next month still fails this month's deployment.
  const { releases, unmanaged } = await readAuditTrail(root, { since: start, signatures: true });
  const inWindow = (time: string): boolean => Date.parse(time) >= start.getTime() && Date.parse(time) < end.getTime();
  const inMonth = releases.filter((r) => inWindow(r.landedAt));
  const handMonth = unmanaged.filter((u) => inWindow(u.committedAt));
  const report: ComplianceReport = {
    month: options.month,
    environments: environments.map((environment) => {
      const mine = inMonth.filter((r) => r.environment === environment);
      const deploys = mine.filter((r) => r.action === "deploy" || r.action === "promote");
      const hand = handMonth.filter((u) => u.environment === environment && u.image !== undefined);
      return {
        environment,
        deployments: deploys.reduce((n, r) => n + r.services.length, 0) + hand.length,
        deployCommits: new Set([...deploys, ...hand].map((c) => c.commit)).size,
        rollbacks: mine.filter((r) => r.action === "rollback").length,
        dora: computeDora(toDeployments(releases, environment, unmanaged), incidents, { start: start.getTime(), end: end.getTime() }),
      };
    }),
    unsigned: inMonth
      .filter((r) => r.action !== "unhold" && !isVerifiedSignature(r.signature))
      .map((r) => ({ commit: r.commit, time: r.landedAt, environment: r.environment, action: r.action, author: r.author, signature: r.signature, subject: r.subject })),
    breakGlass: inMonth
      .filter((r) => r.breakGlass)
      .map((r) => ({ commit: r.commit, time: r.landedAt, environment: r.environment, action: r.action, author: r.author, reason: r.breakGlass ?? "", subject: r.subject })),
    flags: inMonth.flatMap((r) =>
      (r.action === "flag" ? (r.flags ?? []) : []).map((f) => ({
        commit: r.commit,
        time: r.landedAt,
        environment: r.environment,
        flag: f.key,
        value: f.value,
        author: r.author,
        signed: isVerifiedSignature(r.signature),
        breakGlass: r.breakGlass ?? null,
        subject: r.subject,
      })),
    ),
    unmanaged: handMonth.map((u) => ({
      commit: u.commit,
      time: u.committedAt,
      environment: u.environment,
      service: u.service,
      image: u.image ?? null,
      author: u.author,
      authorEmail: u.authorEmail,
      signature: u.signature,
      signed: isVerifiedSignature(u.signature),
      subject: u.subject,
    })),
  };
  context.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatCompliance(report));
  return report;
}

function formatCompliance(report: ComplianceReport): string {
  const lines = [`Compliance report ${report.month}`];
  for (const e of report.environments) {
    lines.push(`${e.environment}: ${e.deployments} deployments in ${e.deployCommits} commits, ${e.rollbacks} rollbacks`);
    lines.push(formatDora(e.dora, e.environment).trimEnd().replace(/^/gm, "  "));
  }
  lines.push(report.unsigned.length === 0 ? "every release commit is signed" : `unsigned release commits (${report.unsigned.length}):`);
  for (const u of report.unsigned) lines.push(`  ${u.commit.slice(0, 12)} ${u.time} ${u.environment} ${u.action} by ${u.author} (%G? ${u.signature}) ${u.subject}`);
  lines.push(report.breakGlass.length === 0 ? "no break-glass overrides" : `break-glass overrides (${report.breakGlass.length}):`);
  for (const b of report.breakGlass) lines.push(`  ${b.commit.slice(0, 12)} ${b.time} ${b.environment} ${b.action} by ${b.author}: ${b.reason}`);
  lines.push(report.flags.length === 0 ? "no flag changes" : `flag changes (${report.flags.length}):`);
  for (const f of report.flags) lines.push(`  ${f.commit.slice(0, 12)} ${f.time} ${f.environment} ${f.flag} = ${f.value} by ${f.author}${f.breakGlass ? ` BREAK-GLASS: ${f.breakGlass}` : ""}`);
  lines.push(report.unmanaged.length === 0 ? "no changes made without horizon" : `changes made without horizon (${report.unmanaged.length}):`);
  for (const u of report.unmanaged) {
    const signed = u.signed ? "signed" : `unsigned, %G? ${u.signature}`;
    lines.push(`  ${u.commit.slice(0, 12)} ${u.time} ${u.environment} ${u.service} ${u.image ?? "(removed)"} by ${u.author} <${u.authorEmail}> (${signed}) ${u.subject}`);
  }
  return `${lines.join("\n")}\n`;
}
