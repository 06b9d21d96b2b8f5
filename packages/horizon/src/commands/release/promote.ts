import { originOf } from "../../core/history.js";
import { assertVersionLabel, planPromotion } from "../../core/promotion.js";
import type { PromotedService } from "../../core/promotion.js";
import { InputError } from "../../errors.js";
import { HOLDS_FILE, parseHolds } from "../../gitops/holds.js";
import { assertEnvironment, imageOf, listServices, readServiceManifest } from "../../gitops/manifests.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import { assertCleanRepository, readRepoFile } from "../../gitops/repo.js";
import { readServiceFiles } from "../../gitops/version-labels.js";
import { applyPlan, recheckHolds, manifestsRoot } from "./shared.js";
import type { ApplyOptions, CommandContext, ReleaseOutcome } from "./shared.js";

export interface PromoteOptions extends ApplyOptions {
  manifests: string;
  from: string;
  to: string;
  service: string[];
  version?: string;
}

/** `horizon release promote`: carries image references (and version labels) from one environment to the next. */
export async function runPromote(options: PromoteOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  if (options.from === options.to) throw new InputError(`--from and --to are both ${options.from}`);
  // Before any git work: a bad --version is bad input, whatever state the repository is in.
  if (options.version !== undefined) assertVersionLabel(options.version);
  if (!options.dryRun) await assertCleanRepository(root);
  assertEnvironment(root, options.from);
  assertEnvironment(root, options.to);
  const targets = new Set(listServices(root, options.to));
  const names = options.service.length > 0 ? options.service : listServices(root, options.from).filter((s) => targets.has(s));
  const history = await readReleaseHistory(root);
  const services = names.map((service): PromotedService => {
    const source = readServiceManifest(root, options.from, service);
    const target = readServiceManifest(root, options.to, service);
    return { service, source, target, targetFiles: readServiceFiles(root, options.to, service), origin: originOf(history, options.from, service, imageOf(source)) };
  });
  const plan = planPromotion({
    from: options.from,
    to: options.to,
    services,
    holds: parseHolds(readRepoFile(root, HOLDS_FILE)),
    ...(options.version === undefined ? {} : { version: options.version }),
    manifestsDir: options.manifests,
  });
  return applyPlan(root, plan, options, context, `${options.to} already runs what ${options.from} runs (${names.join(", ")}); nothing to commit`, recheckHolds(root, plan, options.manifests));
}
