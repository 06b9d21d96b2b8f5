import { resolve } from "node:path";
import { originOf, recordedGates } from "../../core/history.js";
import { assertVersionLabel, planPromotion } from "../../core/promotion.js";
import type { PromotedService } from "../../core/promotion.js";
import { InputError } from "../../errors.js";
import { findHold, HOLDS_FILE, parseHolds } from "../../gitops/holds.js";
import { assertEnvironment, imageOf, listServices, readServiceFiles, readServiceManifest } from "../../gitops/manifests.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import { assertCleanRepository, readRepoFile } from "../../gitops/repo.js";
import { GITHUB_BODY_LIMIT, renderEnvironmentDiff, trimToLimit } from "../../gitops/rendered-diff.js";
import { writeFileAtomic } from "../../io/fs.js";
import { findExecutable } from "../../io/process.js";
import { enforcePolicy, parseBreakGlass, policyBlockers } from "../shared/policy.js";
import { formatPromotionPlan, type PromotionPreview } from "./promote-plan.js";
import { applyPlan, recheckHolds, withBreakGlass, type ApplyOptions, type ReleaseOutcome } from "../shared/apply-plan.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";

export interface PromoteOptions extends ApplyOptions {
  manifests: string;
  from: string;
  to: string;
  service: string[];
  version?: string;
  breakGlass?: string;
  /** With --dry-run: the full plan as Markdown, and the same trimmed to fit a GitHub pull request body. */
  planOut?: string;
  bodyOut?: string;
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
  const breakGlass = parseBreakGlass(options.breakGlass);
  const targets = new Set(listServices(root, options.to));
  const holds = parseHolds(readRepoFile(root, HOLDS_FILE));
  const named = options.service.length > 0;
  const candidates = named ? options.service : listServices(root, options.from).filter((s) => targets.has(s));
  // Promoting everything, a held image blocks only its own service; a service named with --service is refused.
  const held = named
    ? []
    : candidates.flatMap((service) => {
        const image = imageOf(readServiceManifest(root, options.from, service));
        return findHold(holds, options.to, service, image) ? [{ service, image }] : [];
      });
  const names = candidates.filter((s) => !held.some((h) => h.service === s));
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
    holds,
    ...(options.version === undefined ? {} : { version: options.version }),
    manifestsDir: options.manifests,
  });
  const now = (context.now?.() ?? new Date()).getTime();
  const blockers = plan ? await policyBlockers(root, { from: options.from, to: options.to, images: plan.release.services }, now) : [];
  if (options.dryRun) {
    const gates = new Map((plan?.release.services ?? []).map((s) => [s.service, recordedGates(history, options.from, s.service, s.image) ?? "not recorded"]));
    return previewPromotion(root, options, context, { from: options.from, to: options.to, plan, blockers, held, gates });
  }
  const override = enforcePolicy(blockers, breakGlass, `promote ${options.from} -> ${options.to}`);
  if (!options.json) for (const h of held) context.write(`skipped ${h.service}: ${h.image} is on hold in ${options.to}\n`);
  return applyPlan(
    root,
    plan && override ? withBreakGlass(plan, override) : plan,
    options,
    context,
    `${options.to} already runs what ${options.from} runs (${names.join(", ")}); nothing to commit`,
    recheckHolds(root, plan, options.manifests),
  );
}

/** `--dry-run`: the plan with what the policy says and what changes in the cluster, nothing written to the repo. */
async function previewPromotion(root: string, options: PromoteOptions, context: CommandContext, preview: PromotionPreview): Promise<ReleaseOutcome> {
  const kubectl = await findExecutable("kubectl");
  if (preview.plan && kubectl) preview.rendered = await renderEnvironmentDiff(root, options.to, preview.plan.edits, kubectl);
  else if (preview.plan) preview.renderNote = "kubectl (with kustomize) is not on PATH";
  const markdown = formatPromotionPlan(preview);
  if (options.planOut) await writeFileAtomic(resolve(context.cwd, options.planOut), markdown, "plan file");
  if (options.bodyOut) await writeFileAtomic(resolve(context.cwd, options.bodyOut), trimToLimit(markdown, GITHUB_BODY_LIMIT, "the full plan is the promotion-plan artifact of this workflow run"), "pull request body");
  if (options.json) {
    const p = preview.plan;
    const json = {
      status: "dry-run",
      ...(p ? { release: p.release, files: p.edits.map((e) => e.path), message: p.message } : {}),
      blockers: preview.blockers,
      held: preview.held,
      rendered: preview.rendered?.changes ?? null,
    };
    context.write(`${JSON.stringify(json, null, 2)}\n`);
  } else context.write(markdown);
  return preview.plan ? { status: "dry-run", plan: preview.plan } : { status: "unchanged" };
}
