import { historyEntries } from "../../core/history.js";
import { activeFreeze, formatDuration, inWindow, nextOpen, soakBlocker, soakStart } from "../../core/policy-check.js";
import { environmentPolicy, sourceEnvironment } from "../../core/policy.js";
import { formatInstant } from "../../core/zoned-time.js";
import { InputError } from "../../errors.js";
import { imageLabel, movingImages } from "../../gitops/moving-images.js";
import { assertEnvironment, listEnvironments } from "../../gitops/manifests.js";
import { readAuditTrail } from "../../gitops/release-log.js";
import { assertGitRepository } from "../../gitops/repo.js";
import { readPolicy } from "../shared/policy.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";

export interface PolicyOptions {
  manifests: string;
  env: string;
  from?: string;
  json?: boolean;
}

interface SoakingImage {
  service: string;
  image: string;
  /** Since when it has run in the source environment, ISO 8601; null when no deployment of it is recorded there. */
  since: string | null;
  soakedMs: number;
  eligible: boolean;
  eligibleAt: string | null;
}

interface PolicyState {
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

function formatPolicyState(s: PolicyState): string {
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
