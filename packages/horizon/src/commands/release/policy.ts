import { historyEntries } from "../../core/history.js";
import { activeFreeze, formatDuration, inWindow, nextOpen, scheduleBlockers, soakBlocker, soakStart, type Blocker } from "../../core/policy-check.js";
import { environmentPolicy, parsePolicy, POLICY_FILE, sourceEnvironment, type PromotionPolicy } from "../../core/policy.js";
import { formatInstant } from "../../core/zoned-time.js";
import { CheckFailedError, InputError } from "../../errors.js";
import { imageLabel, movingImages } from "../../gitops/moving-images.js";
import { assertEnvironment, listEnvironments } from "../../gitops/manifests.js";
import { readAuditTrail } from "../../gitops/release-log.js";
import { assertGitRepository, readRepoFile } from "../../gitops/repo.js";
import { manifestsRoot, type CommandContext } from "./shared.js";

export interface PolicyOptions {
  manifests: string;
  env: string;
  from?: string;
  json?: boolean;
}

export interface SoakingImage {
  service: string;
  image: string;
  /** Since when it has run in the source environment, ISO 8601; null when no deployment of it is recorded there. */
  since: string | null;
  soakedMs: number;
  eligible: boolean;
  eligibleAt: string | null;
}

export interface PolicyState {
  environment: string;
  from: string | null;
  timezone: string;
  autoPromote: boolean;
  soakMs: number;
  frozen: { reason: string; since: string; until: string | null } | null;
  open: boolean;
  /** The next instant promotion is allowed (now when open); null when an open-ended freeze stands in the way. */
  nextOpen: string | null;
  /** The source environment's images that a promotion would move, with their soak. */
  images: SoakingImage[];
}

/** The policy file of the manifests repo at `root` (absent: no rules). Errors name the file. */
export function readPolicy(root: string): PromotionPolicy {
  return parsePolicy(readRepoFile(root, POLICY_FILE), POLICY_FILE);
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** `horizon release policy`: frozen or not, the next window, and the images soaking with the time left. */
export async function runPolicy(options: PolicyOptions, context: CommandContext): Promise<PolicyState> {
  const root = manifestsRoot(context.cwd, options.manifests);
  await assertGitRepository(root);
  assertEnvironment(root, options.env);
  const policy = readPolicy(root);
  const environments = listEnvironments(root);
  if (options.from !== undefined) assertEnvironment(root, options.from);
  if (options.from === options.env) throw new InputError(`--from ${options.from} is the environment itself`);
  const from = options.from ?? sourceEnvironment(options.env, environments);
  const now = (context.now?.() ?? new Date()).getTime();
  const rules = environmentPolicy(policy, options.env);
  const freeze = activeFreeze(policy, options.env, now);
  const images: SoakingImage[] = [];
  if (from !== undefined) {
    const { releases, unmanaged } = await readAuditTrail(root, { environment: from });
    const entries = historyEntries(releases, unmanaged);
    for (const { service, image } of movingImages(root, from, options.env)) {
      const start = soakStart(entries, from, service, image);
      const blocker = soakBlocker(policy, { environment: options.env, from, service, image, label: imageLabel(service, image), deployedAt: start }, now);
      images.push({
        service,
        image,
        since: iso(start),
        soakedMs: start === undefined ? 0 : Math.max(0, now - start),
        eligible: blocker === undefined,
        eligibleAt: blocker?.kind === "soak" ? iso(blocker.eligibleAt) : null,
      });
    }
  }
  const state: PolicyState = {
    environment: options.env,
    from: from ?? null,
    timezone: policy.timezone,
    autoPromote: rules.autoPromote,
    soakMs: rules.soakMs,
    frozen: freeze ? { reason: freeze.reason, since: new Date(freeze.fromMs).toISOString(), until: iso(freeze.toMs) } : null,
    open: !freeze && inWindow(policy, options.env, now),
    nextOpen: iso(nextOpen(policy, options.env, now)),
    images,
  };
  context.write(options.json ? `${JSON.stringify(state, null, 2)}\n` : formatPolicyState(state));
  return state;
}

export function formatPolicyState(s: PolicyState): string {
  const at = (t: string): string => formatInstant(Date.parse(t), s.timezone);
  const lines = [`${s.environment} (time zone ${s.timezone})`];
  if (s.frozen) lines.push(`  frozen ${s.frozen.until ? `until ${at(s.frozen.until)}` : "until it is lifted (horizon release unfreeze)"}: ${s.frozen.reason}`);
  else lines.push("  not frozen");
  if (s.open) lines.push("  promotion allowed now");
  else lines.push(`  promotion not allowed now; ${s.nextOpen ? `next allowed at ${at(s.nextOpen)}` : "no opening before the freeze is lifted"}`);
  lines.push(`  auto-promote: ${s.autoPromote ? "yes" : "no"}`);
  if (s.from === null) lines.push("  soak: none (no environment before this one)");
  else {
    lines.push(`  soak: ${s.soakMs > 0 ? `${formatDuration(s.soakMs)} in ${s.from}` : "none"}`);
    if (s.images.length === 0) lines.push(`  no image of ${s.from} differs from ${s.environment}'s`);
    for (const i of s.images) {
      const state = i.eligible
        ? "eligible"
        : i.since === null
          ? `not recorded in ${s.from}`
          : `${formatDuration(i.soakedMs)} of ${formatDuration(s.soakMs)}; eligible at ${at(i.eligibleAt ?? i.since)}`;
      lines.push(`  ${i.service}  ${i.image}  ${state}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export interface PolicyMove {
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
