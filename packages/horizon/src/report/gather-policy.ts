import { activeFreeze, formatDuration, inWindow, nextOpen, soakBlocker, soakStart } from "../core/policy-check.js";
import { environmentPolicy, parsePolicy, POLICY_FILE, sourceEnvironment } from "../core/policy.js";
import { formatInstant } from "../core/zoned-time.js";
import type { HistoryEntry } from "../core/history.js";
import { describeFlag, flagsFile, type FlagDefinition } from "../gitops/flags.js";
import { listEnvironments } from "../gitops/manifests.js";
import { imageLabel, movingImages } from "../gitops/moving-images.js";
import { readRepoFile } from "../gitops/repo.js";
import type { DashboardEnvironmentPolicy } from "./model.js";

/**
 * Per environment, what promotion-policy.yaml says now (frozen or not, the next window, the images soaking with
 * the time left) and what each flag serves: the dashboard's policy section. Entries are the history, newest first.
 */
export function environmentPolicies(root: string, entries: readonly HistoryEntry[], now: number): DashboardEnvironmentPolicy[] {
  const environments = listEnvironments(root);
  let policy;
  let problem: string | undefined;
  try {
    policy = parsePolicy(readRepoFile(root, POLICY_FILE));
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
    policy = parsePolicy(undefined);
  }
  return environments.map((environment): DashboardEnvironmentPolicy => {
    const rules = environmentPolicy(policy, environment);
    const freeze = activeFreeze(policy, environment, now);
    const opens = nextOpen(policy, environment, now);
    const from = sourceEnvironment(environment, environments);
    const soaking: DashboardEnvironmentPolicy["soaking"] = [];
    if (from && rules.soakMs > 0) {
      for (const { service, image } of movingImages(root, from, environment)) {
        const move = { environment, from, service, image, label: imageLabel(service, image), deployedAt: soakStart(entries, from, service, image) };
        const blocker = soakBlocker(policy, move, now);
        soaking.push({
          service,
          image,
          from,
          status: !blocker ? "soaked" : blocker.kind === "soak" && blocker.eligibleAt !== undefined ? `${formatDuration(blocker.eligibleAt - now)} left` : `not run in ${from}`,
          ...(blocker?.kind === "soak" && blocker.eligibleAt !== undefined ? { eligibleAt: formatInstant(blocker.eligibleAt, policy.timezone) } : {}),
        });
      }
    }
    return {
      environment,
      timezone: policy.timezone,
      ...(freeze ? { frozen: { reason: freeze.reason, until: freeze.toMs === undefined ? "until unfrozen" : formatInstant(freeze.toMs, policy.timezone) } } : {}),
      open: !freeze && inWindow(policy, environment, now),
      ...(opens !== undefined && opens > now ? { nextOpen: formatInstant(opens, policy.timezone) } : {}),
      autoPromote: rules.autoPromote,
      soak: rules.soakMs > 0 && from ? `${formatDuration(rules.soakMs)} in ${from}` : "none",
      soaking,
      flags: flagsOf(root, environment),
      ...(problem ? { problem } : {}),
    };
  });
}

/** What each flag of the environment serves; a file that is not JSON says so instead. */
function flagsOf(root: string, environment: string): DashboardEnvironmentPolicy["flags"] {
  const text = readRepoFile(root, flagsFile(environment));
  if (text === undefined) return [];
  try {
    const flags = (JSON.parse(text) as { flags?: Record<string, FlagDefinition> }).flags ?? {};
    return Object.entries(flags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, flag]) => ({ key, serves: describeFlag(flag) }));
  } catch {
    return [{ key: flagsFile(environment), serves: "not valid JSON (horizon validate says why)" }];
  }
}
