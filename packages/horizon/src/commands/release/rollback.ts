import { planRollback } from "../../core/rollback.js";
import type { RollbackTarget } from "../../core/rollback.js";
import { InputError } from "../../errors.js";
import { HOLDS_FILE } from "../../gitops/holds.js";
import { imageOf, listServices, readServiceManifest } from "../../gitops/manifests.js";
import { findPreviousImage } from "../../gitops/previous-image.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import type { ReleaseRecord } from "../../gitops/release-log.js";
import { assertCleanRepository, readRepoFile, resolveCommit, showFileAt } from "../../gitops/repo.js";
import { gitText } from "../../io/git.js";
import { applyPlan, manifestsRoot } from "./shared.js";
import type { ApplyOptions, CommandContext, ReleaseOutcome } from "./shared.js";

export interface RollbackOptions extends ApplyOptions {
  manifests: string;
  env: string;
  service?: string;
  to?: string;
}

async function previousTarget(root: string, env: string, service: string, history: readonly ReleaseRecord[]): Promise<RollbackTarget> {
  const manifest = readServiceManifest(root, env, service);
  const previous = await findPreviousImage(root, manifest, history);
  if (!previous) throw new InputError(`${service} in ${env} has no earlier image to roll back to (current: ${imageOf(manifest)})`);
  return { manifest, restoreImage: previous.image, rollsBack: [previous.commit] };
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
    targets.push({ manifest, restoreImage: imageOf({ ...manifest, source: old }), rollsBack: undone });
  }
  return targets;
}

/** `horizon release rollback`: a forward commit restoring earlier images, and a hold on the images it removes. */
export async function runRollback(options: RollbackOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  if (!options.to && !options.service) throw new InputError("rollback needs --service NAME (its previous image) or --to COMMIT (every image as it was then)");
  if (!options.dryRun) await assertCleanRepository(root);
  if (options.service) readServiceManifest(root, options.env, options.service);
  else listServices(root, options.env);
  const history = await readReleaseHistory(root);
  const to = options.to ? await resolveCommit(root, options.to) : undefined;
  const targets = to
    ? await targetsAt(root, options.env, to, history, options.service)
    : [await previousTarget(root, options.env, options.service as string, history)];
  const plan = planRollback({
    environment: options.env,
    targets,
    holdsSource: readRepoFile(root, HOLDS_FILE),
    now: context.now?.() ?? new Date(),
    ...(to ? { toCommit: to } : {}),
  });
  return applyPlan(root, plan, options, context, `${options.env} already runs the images of ${options.to ?? "the previous deployment"}; nothing to roll back`);
}
