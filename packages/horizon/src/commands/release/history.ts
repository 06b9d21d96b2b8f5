import { historyEntries, parseSince } from "../../core/history.js";
import type { HistoryEntry } from "../../core/history.js";
import { InputError } from "../../errors.js";
import { assertEnvironment, listEnvironments, listServices } from "../../gitops/layout.js";
import { readAuditTrail } from "../../gitops/release-log.js";
import { assertGitRepository } from "../../gitops/repo.js";
import { manifestsRoot } from "../cli-support.js";
import type { CommandContext } from "../cli-support.js";

export interface HistoryOptions {
  manifests: string;
  env?: string;
  service?: string;
  since?: string;
  json?: boolean;
}

const short = (sha: string | null): string => (sha ? sha.slice(0, 12) : "-");

function formatHistory(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return "no changes to an environment in this range\n";
  const rows = entries.map((e) => {
    const notes = [
      e.promotedFrom ? `from ${e.promotedFrom}` : "",
      e.rolledBackBy ? `ROLLED BACK by ${short(e.rolledBackBy)}` : "",
      e.rollsBack ? `undoes ${e.rollsBack.map(short).join(", ")}` : "",
      e.cause ? `cause: ${e.cause}` : "",
      e.breakGlass ? `BREAK-GLASS: ${e.breakGlass}` : "",
    ].filter(Boolean);
    return [
      e.at,
      e.environment,
      e.managed ? e.action : "UNMANAGED",
      e.service,
      e.flag ? `flag ${e.flag.key} = ${e.flag.value}` : (e.image ?? (e.service === "*" ? "-" : "(removed)")),
      `source ${short(e.sourceCommit)}`,
      `by ${e.author}`,
      e.signed ? "signed" : `unsigned(${e.signature})`,
      short(e.commit),
      notes.join("; "),
    ].join("  ");
  });
  return `${rows.join("\n")}\n`;
}

/** `horizon release history`: the audit trail (spec §11.1) read back from the manifests repo's commits, newest first, hand edits included. */
export async function runHistory(options: HistoryOptions, context: CommandContext): Promise<HistoryEntry[]> {
  const root = manifestsRoot(context.cwd, options.manifests);
  await assertGitRepository(root);
  if (options.env) assertEnvironment(root, options.env);
  const environments = options.env ? [options.env] : listEnvironments(root);
  if (options.service) {
    const known = [...new Set(environments.flatMap((env) => listServices(root, env)))].sort();
    if (!known.includes(options.service)) {
      throw new InputError(`unknown service "${options.service}" in ${options.env ?? "any environment"} of ${root} (known: ${known.join(", ") || "none"})`);
    }
  }
  const now = context.now?.() ?? new Date();
  const since = parseSince(options.since ?? "90d", now);
  const { releases, unmanaged } = await readAuditTrail(root, { since, signatures: true, ...(options.env ? { environment: options.env } : {}) });
  const entries = historyEntries(releases, unmanaged).filter(
    (e) => (!options.env || e.environment === options.env) && (!options.service || e.service === options.service),
  );
  context.write(options.json ? `${JSON.stringify(entries, null, 2)}\n` : formatHistory(entries));
  return entries;
}
