import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import { runSetImage } from "../../commands/release/set-image.js";
import { runValidate } from "../../commands/validate/index.js";
import { ExitError } from "../../errors.js";
import { parseImageRef } from "../../gitops/image-ref.js";
import { imageOf, readServiceManifest } from "../../gitops/manifests.js";
import { gitText } from "../../io/git.js";
import { ensureManifestsRepo } from "../manifests-repo.js";
import type { PipelineState } from "../state.js";
import type { Stage } from "../types.js";

export const RELEASE_ENVIRONMENT = "development";

export interface ReleaseStageOptions {
  manifestsDir: string;
  runId: string;
}

/** Why the release step must not run, or true. A failed required gate or check stops it. */
function releaseAllowed(state: PipelineState): true | string {
  if (state.services.length === 0) return "no service affected";
  if (state.releaseBlockers.length > 0) return `skipped: ${state.releaseBlockers.join("; ")}`;
  if (state.failedServices.size > 0) return `skipped: checks failed for ${[...state.failedServices].join(", ")}`;
  return true;
}

/**
 * `horizon release set-image` of every affected service into the development
 * environment of the local manifests repo, as CI's update-manifests does.
 */
export function releaseStage(state: PipelineState, options: ReleaseStageOptions): Stage {
  return {
    id: "release",
    title: `release to ${RELEASE_ENVIRONMENT}`,
    when: () => releaseAllowed(state),
    async run(ctx) {
      const { created } = await ensureManifestsRepo(ctx.root, options.manifestsDir);
      const source = await sourceOf(ctx.root, state.tree);
      const tag = source.clean ? source.sha.slice(0, 12) : `${source.sha.slice(0, 12)}-wip.${options.runId}`;
      const released: string[] = [];
      for (const service of state.services) {
        const current = parseImageRef(imageOf(readServiceManifest(options.manifestsDir, RELEASE_ENVIRONMENT, service)));
        const image = `${current.repository}:${tag}`;
        ctx.progress(`${service} -> ${image}`);
        const outcome = await runSetImage(
          { manifests: options.manifestsDir, env: RELEASE_ENVIRONMENT, service, image, sourceSha: source.sha, sourceTime: source.time },
          { cwd: ctx.root, write: (text) => appendFileSync(ctx.logFile, text) },
        );
        if (outcome.status === "committed") released.push(`${service}:${tag}`);
      }
      const where = relative(ctx.root, options.manifestsDir);
      const made = created ? ` (created ${where} from deploy/)` : "";
      return {
        status: "passed",
        summary: released.length ? `committed ${released.join(", ")} to ${where}${made}` : `development already runs these images${made}`,
      };
    },
  };
}

/** `horizon validate` of the manifests repo the release just changed. */
export function validateManifestsStage(state: PipelineState, options: ReleaseStageOptions): Stage {
  return {
    id: "validate-manifests",
    title: "validate manifests",
    when: () => releaseAllowed(state),
    async run(ctx) {
      let output = "";
      const write = (text: string) => {
        output += text;
        appendFileSync(ctx.logFile, text);
      };
      try {
        const report = await runValidate({ root: options.manifestsDir }, { cwd: ctx.root, write, warn: write });
        const c = report.checked;
        return { status: "passed", summary: `no findings in ${c.objects ?? 0} objects, ${c.kustomizations ?? 0} kustomizations` };
      } catch (error) {
        if (!(error instanceof ExitError)) throw error;
        return { status: "failed", summary: `${error.message}: ${output.trim().split("\n")[0] ?? ""}` };
      }
    },
  };
}

/** The source commit an image is built from, and whether the build had uncommitted work on top of it. */
async function sourceOf(root: string, tree: string | undefined): Promise<{ sha: string; time: string; clean: boolean }> {
  const [sha, time, headTree] = (await gitText(["log", "-1", "--format=%H%n%cI%n%T", "HEAD"], { cwd: root })).split("\n");
  return { sha: sha ?? "", time: time ?? "", clean: tree === undefined || tree === headTree };
}
