import { resolve } from "node:path";
import { isService, serviceName } from "../../core/changed.js";
import { originOf } from "../../core/history.js";
import { planChange } from "../../core/plan.js";
import type { ChangePlan } from "../../core/plan.js";
import { imageOf, listServices, readServiceManifest } from "../../gitops/manifests.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import { assertGitRepository } from "../../gitops/repo.js";
import { gitText } from "../../io/git.js";
import { changedFiles, NO_BASE, repositoryRoot, resolveCommit } from "../shared/git-range.js";
import { readWorkspaces } from "../shared/workspaces.js";
import type { ProcessIo } from "../cli-support.js";

export interface PlanOptions {
  /** The manifests repo: each service's base is the source commit of the image running in `env`. */
  manifests?: string;
  env?: string;
  /** One base for every service (a pull request's base), instead of the deployed commits. */
  base?: string;
  head?: string;
  json?: boolean;
}

const isCommitHere = (sha: string, root: string): Promise<boolean> =>
  gitText(["cat-file", "-e", `${sha}^{commit}`], { cwd: root }).then(
    () => true,
    () => false,
  );

/**
 * Per service, the source commit of the image `env` runs, from the manifests
 * repo's Horizon-Source-Commit trailers; null (the whole tree) for a service
 * the environment does not run, or whose commit is unknown or not in this
 * clone: then nothing is skipped.
 */
async function deployedBases(services: readonly string[], manifests: string, env: string, root: string, warn: (t: string) => void): Promise<Record<string, string | null>> {
  await assertGitRepository(manifests);
  const running = new Set(listServices(manifests, env));
  const records = await readReleaseHistory(manifests);
  const bases: Record<string, string | null> = {};
  for (const service of services) {
    bases[service] = null;
    if (!running.has(service)) continue;
    const image = imageOf(readServiceManifest(manifests, env, service));
    const { sourceCommit } = originOf(records, env, service, image);
    if (!sourceCommit) warn(`horizon: ${service} in ${env} runs ${image}, which no release record names a source commit for; planning its whole tree\n`);
    else if (!(await isCommitHere(sourceCommit, root))) warn(`horizon: ${service}'s deployed commit ${sourceCommit.slice(0, 12)} is not in this clone (fetch more history); planning its whole tree\n`);
    else bases[service] = sourceCommit;
  }
  return bases;
}

/** `horizon plan`: what a change runs, for `horizon pipeline` and ci.yml. */
export async function runPlan(options: PlanOptions, context: ProcessIo): Promise<ChangePlan> {
  const root = await repositoryRoot(context.cwd);
  const head = await resolveCommit(options.head ?? "HEAD", root, "--head");
  const workspaces = await readWorkspaces(head, root);
  const services = workspaces.filter(isService).map(serviceName).sort();
  let bases: Record<string, string | null>;
  if (options.base !== undefined) {
    const base = NO_BASE.test(options.base) ? null : await resolveCommit(options.base, root, "--base");
    bases = Object.fromEntries(services.map((s) => [s, base]));
  } else if (options.manifests !== undefined) {
    bases = await deployedBases(services, resolve(context.cwd, options.manifests), options.env ?? "development", root, context.warn);
  } else {
    context.warn("horizon: neither --manifests nor --base: planning the whole tree\n");
    bases = Object.fromEntries(services.map((s) => [s, null]));
  }
  const changedSince = new Map<string, string[]>();
  for (const base of new Set(Object.values(bases))) {
    if (base !== null) changedSince.set(base, await changedFiles(base, head, root, context.warn));
  }
  const plan = planChange({ head, workspaces, bases, changedSince });
  context.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
  return plan;
}

function formatPlan(plan: ChangePlan): string {
  const lines = [`head ${plan.head.slice(0, 12)}`];
  for (const [service, base] of Object.entries(plan.base)) {
    const verdict = plan.services.includes(service) ? "affected" : "unchanged";
    lines.push(`  ${service.padEnd(24)} ${verdict.padEnd(10)} since ${base === null ? "the whole tree" : base.slice(0, 12)}`);
  }
  lines.push(`packages: ${plan.packages.join(", ") || "none"}`);
  const checks = Object.entries(plan.checks).filter(([, on]) => on).map(([name]) => name);
  lines.push(`checks: ${checks.join(", ")}`);
  lines.push("stages:");
  for (const s of plan.stages) lines.push(`  ${`${s.id}${s.service ? ` ${s.service}` : ""}`.padEnd(36)} ${s.command}`);
  return `${lines.join("\n")}\n`;
}
