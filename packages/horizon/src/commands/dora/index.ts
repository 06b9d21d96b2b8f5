import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { computeDora } from "../../core/dora.js";
import type { DoraReport, Incident } from "../../core/dora.js";
import { formatDora } from "../../core/dora-format.js";
import { parseIncidents } from "../../core/dora-incidents.js";
import { parseSince, toDeployments } from "../../core/history.js";
import { InputError } from "../../errors.js";
import { assertEnvironment } from "../../gitops/manifests.js";
import { readAuditTrail } from "../../gitops/release-log.js";
import { assertGitRepository } from "../../gitops/repo.js";
import { manifestsRoot } from "../release/shared.js";
import type { CommandContext } from "../release/shared.js";

export interface DoraOptions {
  manifests: string;
  env: string;
  since: string;
  incidents?: string;
  json?: boolean;
}

export function readIncidents(cwd: string, file: string | undefined): Incident[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new InputError(`cannot read incidents file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parseIncidents(text, file);
}

/** `horizon dora`: the four keys of one environment, read from the manifests repo's history in one `git log`. */
export async function runDora(options: DoraOptions, context: CommandContext): Promise<DoraReport> {
  const root = manifestsRoot(context.cwd, options.manifests);
  const incidents = readIncidents(context.cwd, options.incidents);
  await assertGitRepository(root);
  assertEnvironment(root, options.env);
  const now = context.now?.() ?? new Date();
  const start = parseSince(options.since, now);
  const { releases, unmanaged } = await readAuditTrail(root, { since: start, environment: options.env });
  const report = computeDora(toDeployments(releases, options.env, unmanaged), incidents, { start: start.getTime(), end: now.getTime() });
  context.write(options.json ? `${JSON.stringify({ environment: options.env, ...report }, null, 2)}\n` : formatDora(report, options.env));
  return report;
}
