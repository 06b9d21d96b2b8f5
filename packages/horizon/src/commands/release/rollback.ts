import { parseRollbackCause, planRollback } from "../../core/rollback.js";
import type { RollbackTarget } from "../../core/rollback.js";
import { CheckFailedError, InputError } from "../../errors.js";
import { findHold, HOLDS_FILE, parseHolds } from "../../gitops/holds.js";
import { imageOf, listServices, readServiceFiles, readServiceManifest } from "../../gitops/manifests.js";
import { findRestorePoint } from "../../gitops/previous-image.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import type { ReleaseRecord } from "../../gitops/release-log.js";
import { assertCleanRepository, readRepoFile, resolveCommit, showFileAt } from "../../gitops/repo.js";
import { readVersionLabels } from "../../gitops/version-labels.js";
import { gitText } from "../../io/git.js";
import { applyPlan, recheckHolds, type ApplyOptions, type ReleaseOutcome } from "../shared/apply-plan.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";

export interface RollbackOptions extends ApplyOptions {
  manifests: string;
  env: string;
  service?: string;
  to?: string;
  /** `Horizon-Cause`: canary-failed, manual (the default) or "incident <id>". */
  cause?: string;
}

/** The service folder's files now, each with the version label it had at `commit` (the restored deployment). */
async function filesAt(root: string, env: string, service: string, commit: string): Promise<RollbackTarget["files"]> {
  return Promise.all(
    readServiceFiles(root, env, service).map(async (f) => {
      const then = await showFileAt(root, commit, f.path);
      return { ...f, version: then === undefined ? undefined : readVersionLabels(then, f.path)[0] };
    }),
  );
}

/** The newest earlier image that is not held; exit 1 naming the holds when every earlier image is held. */
async function previousTarget(
  root: string,
  options: RollbackOptions,
  service: string,
  history: readonly ReleaseRecord[],
  holdsSource: string | undefined,
): Promise<RollbackTarget> {
  const { env } = options;
  const manifest = readServiceManifest(root, env, service);
  const holds = parseHolds(holdsSource);
  const { restore, skippedHeld } = await findRestorePoint(root, manifest, history, (image) => findHold(holds, env, service, image) !== undefined);
  if (restore) return { manifest, restoreImage: restore.image, rollsBack: restore.rollsBack, files: await filesAt(root, env, service, restore.commit) };
  const current = imageOf(manifest);
  if (skippedHeld.length === 0) throw new InputError(`${service} in ${env} has no earlier image to roll back to (current: ${current})`);
  throw new CheckFailedError(
    `${service} in ${env} has no earlier image that is not on hold (current: ${current}; held: ${skippedHeld.join(", ")}); ` +
      `deploy a fixed image, or lift a hold with: horizon release unhold --manifests ${options.manifests} --env ${env} --service ${service} --image <image>`,
  );
}

/** Every service of the environment as it was at `commit`; the deployments since then are the ones undone. */
async function targetsAt(root: string, env: string, commit: string, history: readonly ReleaseRecord[], only?: string): Promise<RollbackTarget[]> {
  const since = new Set((await gitText(["rev-list", `${commit}..HEAD`], { cwd: root })).split("\n").filter(Boolean));
  const targets: RollbackTarget[] = [];
  for (const service of only ? [only] : listServices(root, env)) {
    const manifest = readServiceManifest(root, env, service);
    const old = await showFileAt(root, commit, manifest.file);
    if (old === undefined) continue;
    const undone = history
      .filter((r) => since.has(r.commit) && r.environment === env && (r.action === "deploy" || r.action === "promote"))
      .filter((r) => r.services.some((s) => s.service === service))
      .map((r) => r.commit);
    targets.push({ manifest, restoreImage: imageOf({ ...manifest, source: old }), rollsBack: undone, files: await filesAt(root, env, service, commit) });
  }
  return targets;
}

/** `horizon release rollback`: a forward commit restoring earlier images, and a hold on the images it removes. */
export async function runRollback(options: RollbackOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  // Before any git work: a bad --cause is bad input, whatever state the repository is in.
  const cause = parseRollbackCause(options.cause ?? "manual");
  if (!options.to && !options.service) throw new InputError("rollback needs --service NAME (its previous image) or --to COMMIT (every image as it was then)");
  if (!options.dryRun) await assertCleanRepository(root);
  if (options.service) readServiceManifest(root, options.env, options.service);
  else listServices(root, options.env);
  const history = await readReleaseHistory(root);
  const to = options.to ? await resolveCommit(root, options.to) : undefined;
  const holdsSource = readRepoFile(root, HOLDS_FILE);
  const targets = to
    ? await targetsAt(root, options.env, to, history, options.service)
    : [await previousTarget(root, options, options.service as string, history, holdsSource)];
  const plan = planRollback({
    environment: options.env,
    targets,
    holdsSource,
    now: context.now?.() ?? new Date(),
    ...(to ? { toCommit: to } : {}),
    manifestsDir: options.manifests,
    cause,
  });
  const unchanged = `${options.env} already runs the images of ${options.to ?? "the previous deployment"}; nothing to roll back`;
  // A rollback pushed after a rebase must not restore an image someone held meanwhile.
  return applyPlan(root, plan, options, context, unchanged, recheckHolds(root, plan, options.manifests));
}
