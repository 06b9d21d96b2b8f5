import { historyEntries } from "../../core/history.js";
import { environmentPolicy, parsePolicy, POLICY_FILE, type PromotionPolicy } from "../../core/policy.js";
import { scheduleBlockers, soakBlocker, soakStart, type Blocker } from "../../core/policy-check.js";
import { CheckFailedError, InputError } from "../../errors.js";
import { imageLabel } from "../../gitops/moving-images.js";
import { readAuditTrail } from "../../gitops/release-log.js";
import { readRepoFile } from "../../gitops/repo.js";

/** The policy file of the manifests repo at `root` (absent: no rules). Errors name the file. */
export function readPolicy(root: string): PromotionPolicy {
  return parsePolicy(readRepoFile(root, POLICY_FILE), POLICY_FILE);
}

interface PolicyMove {
  /** Where the images come from (soak is measured there); undefined for set-image, which has no source environment. */
  from?: string;
  to: string;
  images: Array<{ service: string; image: string }>;
}

/** What promotion-policy.yaml refuses about `move` at `now`: the target's freeze or window, and each image's soak. */
export async function policyBlockers(root: string, move: PolicyMove, now: number): Promise<Blocker[]> {
  const policy = readPolicy(root);
  const blockers = scheduleBlockers(policy, move.to, now);
  if (move.from === undefined || environmentPolicy(policy, move.to).soakMs === 0 || move.images.length === 0) return blockers;
  const { releases, unmanaged } = await readAuditTrail(root, { environment: move.from });
  const entries = historyEntries(releases, unmanaged);
  for (const { service, image } of move.images) {
    const blocker = soakBlocker(policy, { environment: move.to, from: move.from, service, image, label: imageLabel(service, image), deployedAt: soakStart(entries, move.from, service, image) }, now);
    if (blocker) blockers.push(blocker);
  }
  return blockers;
}

/** `--break-glass "reason"`: one line, not empty. */
export function parseBreakGlass(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const text = reason.trim();
  if (text === "" || /[\r\n]/.test(text)) throw new InputError('--break-glass needs a reason on one line, e.g. --break-glass "incident 42: hotfix"');
  return text;
}

/**
 * Exit 1 with every refusal and when it lifts, unless `breakGlass` overrides them; then the reason to record
 * (Horizon-Break-Glass), or undefined when nothing was refused (an unneeded --break-glass records nothing).
 */
export function enforcePolicy(blockers: readonly Blocker[], breakGlass: string | undefined, action: string): string | undefined {
  if (blockers.length === 0) return undefined;
  if (breakGlass !== undefined) return breakGlass;
  throw new CheckFailedError(`${action} refused by ${POLICY_FILE}:\n${blockers.map((b) => `  - ${b.message}`).join("\n")}\nOverride only in an emergency, recorded: --break-glass "reason"`);
}
