import { scheduleBlockers, soakBlocker, soakStart } from "../../core/policy-check.js";
import { historyEntries, recordedGates } from "../../core/history.js";
import { InputError } from "../../errors.js";
import { findHold, HOLDS_FILE, parseHolds } from "../../gitops/holds.js";
import { listEnvironments } from "../../gitops/manifests.js";
import { readAuditTrail } from "../../gitops/release-log.js";
import { assertCleanRepository, readRepoFile } from "../../gitops/repo.js";
import { imageLabel, movingImages } from "../../gitops/moving-images.js";
import { PROMOTION_ORDER, sourceEnvironment } from "../../core/policy.js";
import { readPolicy } from "../shared/policy.js";
import { runPromote } from "./promote.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";
import type { ApplyOptions } from "../shared/apply-plan.js";

interface AutoPromoteOptions extends ApplyOptions {
  manifests: string;
}

interface AutoPromotion {
  environment: string;
  from: string;
  promoted: string[];
  skipped: Array<{ service: string; reason: string }>;
  commit: string | null;
}

/**
 * `horizon release promote --auto`: into every environment whose policy says autoPromote (never production),
 * the images of the environment before it whose gates passed (Horizon-Gates) and whose soak elapsed, by direct
 * commit. A frozen or closed environment, a held image, failed or unrecorded gates, or a soak not met is skipped,
 * with the reason; nothing is forced.
 */
export async function runAutoPromote(options: AutoPromoteOptions, context: CommandContext): Promise<AutoPromotion[]> {
  const root = manifestsRoot(context.cwd, options.manifests);
  if (!options.dryRun) await assertCleanRepository(root);
  const policy = readPolicy(root);
  const environments = listEnvironments(root);
  const now = (context.now?.() ?? new Date()).getTime();
  const results: AutoPromotion[] = [];
  const say = (text: string): void => {
    if (!options.json) context.write(text);
  };
  const automatic = PROMOTION_ORDER.filter((env) => environments.includes(env) && policy.environments[env]?.autoPromote);
  if (automatic.length === 0) say("no environment has autoPromote: true in promotion-policy.yaml; nothing to do\n");
  for (const environment of automatic) {
    const from = sourceEnvironment(environment, environments);
    if (from === undefined) throw new InputError(`promotion-policy.yaml: ${environment} has autoPromote but no environment before it to take images from`);
    const result: AutoPromotion = { environment, from, promoted: [], skipped: [], commit: null };
    results.push(result);
    const closed = scheduleBlockers(policy, environment, now);
    if (closed.length > 0) {
      say(`${environment}: not now: ${closed.map((b) => b.message).join("; ")}\n`);
      continue;
    }
    const { releases, unmanaged } = await readAuditTrail(root, { environment: from });
    const entries = historyEntries(releases, unmanaged);
    const holds = parseHolds(readRepoFile(root, HOLDS_FILE));
    const eligible: string[] = [];
    for (const { service, image } of movingImages(root, from, environment)) {
      const label = imageLabel(service, image);
      const gates = recordedGates(releases, from, service, image);
      const soak = soakBlocker(policy, { environment, from, service, image, label, deployedAt: soakStart(entries, from, service, image) }, now);
      const reason = findHold(holds, environment, service, image)
        ? `${image} is on hold in ${environment}`
        : gates !== "passed"
          ? `${label}: quality gates ${gates ? `recorded as ${gates}` : "not recorded"} in ${from} (auto-promotion takes only passed)`
          : soak?.message;
      if (reason) result.skipped.push({ service, reason });
      else eligible.push(service);
    }
    for (const s of result.skipped) say(`${environment}: skipped ${s.service}: ${s.reason}\n`);
    if (eligible.length === 0) {
      say(`${environment}: nothing to promote from ${from}\n`);
      continue;
    }
    const outcome = await runPromote({ manifests: options.manifests, from, to: environment, service: eligible, ...pick(options) }, { ...context, write: say });
    result.promoted = eligible;
    result.commit = outcome.commit ?? null;
  }
  if (options.json) context.write(`${JSON.stringify(results, null, 2)}\n`);
  return results;
}

const pick = (o: ApplyOptions): ApplyOptions => ({ ...(o.push ? { push: true } : {}), ...(o.dryRun ? { dryRun: true } : {}) });
