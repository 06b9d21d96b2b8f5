import { computeDora } from "../../core/dora.js";
import { parseDuration } from "../../core/duration.js";
import type { Deployment, DoraReport } from "../../core/dora.js";
import { formatDora, formatFourKeys } from "../../core/dora-format.js";
import { computeFourKeys } from "../../core/dora-fourkeys.js";
import type { FourKeysReport } from "../../core/dora-fourkeys.js";
import { parseSince, toDeployments } from "../../core/history.js";
import { InputError } from "../../errors.js";
import { assertEnvironment } from "../../gitops/layout.js";
import { readAuditTrail } from "../../gitops/release-log.js";
import { assertGitRepository } from "../../gitops/repo.js";
import { manifestsRoot } from "../cli-support.js";
import type { CommandContext } from "../cli-support.js";
import { readIncidents } from "../shared/incidents.js";
import { findSourceRepository, readReleaseCommits, sourceMayBeRead } from "./source.js";
import type { SourceUse } from "./source.js";

export interface DoraOptions {
  manifests: string;
  env: string;
  since: string;
  incidents?: string;
  json?: boolean;
  /** The application repository the images were built from (default: the current one, if it is). */
  source?: string;
  /** "dora" (default) or "fourkeys". */
  definition?: string;
  /** How long after a rollback a deployment of that service is rework: 24h, 90m, 2d. */
  reworkWindow?: string;
}

const DEFINITIONS = ["dora", "fourkeys"] as const;

/** `--rework-window`: `24h`, `90m`, `2d`, in milliseconds. */
function parseWindow(value: string): number {
  const ms = parseDuration(value, ["m", "h", "d"]);
  if (ms === undefined || ms <= 0) throw new InputError(`--rework-window "${value}" is not a duration like 24h, 90m or 2d`);
  return ms;
}

/**
 * `horizon dora`: the four keys (and rework rate) of one environment, read from the manifests repo's history in
 * one `git log`, plus, when a source repository is at hand, one `git log` over it for every commit of each release.
 */
export async function runDora(options: DoraOptions & { definition?: "dora" }, context: CommandContext): Promise<DoraReport>;
export async function runDora(options: DoraOptions, context: CommandContext): Promise<DoraReport | FourKeysReport>;
export async function runDora(options: DoraOptions, context: CommandContext): Promise<DoraReport | FourKeysReport> {
  const definition = options.definition ?? "dora";
  if (!(DEFINITIONS as readonly string[]).includes(definition)) throw new InputError(`--definition "${definition}" is not one of ${DEFINITIONS.join(", ")}`);
  const reworkWindowMs = parseWindow(options.reworkWindow ?? "24h");
  const root = manifestsRoot(context.cwd, options.manifests);
  const incidents = await readIncidents(context.cwd, options.incidents);
  await assertGitRepository(root);
  assertEnvironment(root, options.env);
  const now = context.now?.() ?? new Date();
  const start = parseSince(options.since, now);
  const window = { start: start.getTime(), end: now.getTime() };
  // fourkeys dates its frequency from the first event ever, so it reads the whole record; so does a read of the
  // source repository, which counts each service's first release in the window from its deployment before it:
  // one walk of the history either way.
  const whole = definition === "fourkeys" || sourceMayBeRead(options.source, context.cwd);
  const { releases, unmanaged } = await readAuditTrail(root, { ...(whole ? {} : { since: start }), environment: options.env });
  const all = toDeployments(releases, options.env, unmanaged);
  let deployments: Deployment[] = definition === "fourkeys" ? all : all.filter((d) => d.deployedAt >= window.start);
  const repo = await findSourceRepository(options.source, context.cwd, deployments, window.start);
  let source: SourceUse = { note: repo.note };
  if (repo.dir) {
    if (definition !== "fourkeys") {
      // The deployments before the window as the records before it alone tell them (a later rollback not counted).
      const before = releases.filter((r) => r.action !== "sync" && Date.parse(r.landedAt) < window.start);
      deployments = [...toDeployments(before, options.env).filter((d) => d.deployedAt < window.start), ...deployments];
    }
    ({ deployments, use: source } = await readReleaseCommits(repo.dir, deployments, window.start, repo.found));
  }
  const where = source.repository ? `source repository ${source.repository}` : source.note;
  if (definition === "fourkeys") {
    const report = computeFourKeys(deployments, incidents, window);
    context.write(options.json ? `${JSON.stringify({ environment: options.env, source, ...report }, null, 2)}\n` : formatFourKeys(report, options.env, where));
    return report;
  }
  const report = computeDora(deployments, incidents, window, { reworkWindowMs });
  context.write(options.json ? `${JSON.stringify({ environment: options.env, source, ...report }, null, 2)}\n` : formatDora(report, options.env, where));
  return report;
}
