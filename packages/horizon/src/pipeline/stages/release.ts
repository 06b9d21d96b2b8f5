import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import { runSetImage } from "../../commands/release/set-image.js";
import { runValidate } from "../../commands/validate/index.js";
import { ExitError } from "../../errors.js";
import { parseImageRef } from "../../gitops/image-ref.js";
import { imageOf, readServiceManifest } from "../../gitops/manifests.js";
import { gitText } from "../../io/git.js";
import { ensureManifestsRepo, syncManifestsRepo } from "../manifests-repo.js";
import type { PipelineState } from "../state.js";
import { stageLabel, type Stage, type StageContext, type StageOutcome, type StageRecord } from "../types.js";

const RELEASE_ENVIRONMENT = "development";

interface ReleaseStageOptions {
  manifestsDir: string;
  runId: string;
}

/**
 * The one rule for the release: it happens only when no stage that ran
 * failed. A warning never blocks by itself; the gates turn into failures
 * the warnings the gate policy makes required.
 */
function releaseBlocker(done: readonly StageRecord[]): string | undefined {
  const failed = done.filter((s) => s.status === "failed");
  if (failed.length === 0) return undefined;
  return `blocked: ${failed.map((s) => `${stageLabel(s)} failed (${s.summary})`).join("; ")}`;
}

/** Why the set-image step must not run, or true. */
function releaseAllowed(state: PipelineState, done: readonly StageRecord[]): true | string {
  const blocker = releaseBlocker(done);
  if (blocker) return blocker;
  if (state.services.length === 0) return "no service affected";
  return true;
}

/**
 * `horizon release set-image` of every affected service into the development
 * environment of the local manifests repo, as CI's update-manifests does.
 */
export function releaseStage(state: PipelineState, options: ReleaseStageOptions): Stage {
  let before: readonly StageRecord[] = [];
  /** The verdict `promote --auto` reads (Horizon-Gates): a release runs only when no gate failed; a warning passes. */
  const gatesOf = (service: string): "passed" | "none" => (before.some((s) => s.id === `gate-${service}` && (s.status === "passed" || s.status === "warning")) ? "passed" : "none");
  return {
    id: "release",
    title: `release to ${RELEASE_ENVIRONMENT}`,
    when: (done) => {
      before = done;
      return releaseAllowed(state, done);
    },
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
          { manifests: options.manifestsDir, env: RELEASE_ENVIRONMENT, service, image, sourceSha: source.sha, sourceTime: source.time, gates: gatesOf(service) },
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

/** `horizon validate --root dir`, in this process, as a stage outcome. */
async function validateOutcome(ctx: StageContext, dir: string, what: string): Promise<StageOutcome> {
  let output = "";
  const write = (text: string) => {
    output += text;
    appendFileSync(ctx.logFile, text);
  };
  try {
    const report = await runValidate({ root: dir }, { cwd: ctx.root, write, warn: write });
    const c = report.checked;
    const counted = [`${c.objects ?? 0} objects`, `${c.kustomizations ?? 0} kustomizations`, ...(c.workflows ? [`${c.workflows} workflows`] : []), ...(c.dockerfiles ? [`${c.dockerfiles} Dockerfiles`] : [])];
    return { status: "passed", summary: `no findings in ${what}: ${counted.join(", ")}` };
  } catch (error) {
    if (!(error instanceof ExitError)) throw error;
    return { status: "failed", summary: `${error.message}: ${output.trim().split("\n")[0] ?? ""}` };
  }
}

/**
 * `horizon validate` of the repository's own delivery config — deploy/,
 * .github/workflows, Dockerfiles, alert rules — on every run, whichever
 * service changed: none of it belongs to one service.
 */
export function validateRepositoryStage(): Stage {
  return {
    id: "validate",
    title: "validate delivery config",
    run: (ctx) => validateOutcome(ctx, ctx.root, "workflows, deploy/, Dockerfiles and alert rules"),
  };
}

/**
 * Takes up every change of deploy/ into the local manifests repo before the
 * release (keeping the images, labels, holds, policy and flags it owns), so
 * that what is released is what the validate stage checked.
 */
export function syncManifestsStage(state: PipelineState, options: ReleaseStageOptions): Stage {
  return {
    id: "sync-manifests",
    title: "sync deploy/ to manifests",
    when: (done) => releaseBlocker(done) ?? true,
    async run(ctx) {
      const { created } = await ensureManifestsRepo(ctx.root, options.manifestsDir);
      const where = relative(ctx.root, options.manifestsDir);
      if (created) return { status: "passed", summary: `created ${where} from deploy/` };
      const source = await sourceOf(ctx.root, state.tree);
      const result = await syncManifestsRepo(ctx.root, options.manifestsDir, source.sha);
      if (!result.commit) return { status: "passed", summary: `${where} already holds deploy/` };
      const files = [...result.changed, ...result.removed.map((p) => `-${p}`)];
      return { status: "passed", summary: `committed ${result.commit.slice(0, 12)} to ${where}: ${files.join(", ")}` };
    },
  };
}

/** `horizon validate` of the manifests repo the release just changed. */
export function validateManifestsStage(options: ReleaseStageOptions): Stage {
  return {
    id: "validate-manifests",
    title: "validate manifests",
    when: (done) => releaseBlocker(done) ?? true,
    run: (ctx) => validateOutcome(ctx, options.manifestsDir, relative(ctx.root, options.manifestsDir) || options.manifestsDir),
  };
}

/** The source commit an image is built from, and whether the build had uncommitted work on top of it. */
async function sourceOf(root: string, tree: string | undefined): Promise<{ sha: string; time: string; clean: boolean }> {
  const [sha, time, headTree] = (await gitText(["log", "-1", "--format=%H%n%cI%n%T", "HEAD"], { cwd: root })).split("\n");
  return { sha: sha ?? "", time: time ?? "", clean: tree === undefined || tree === headTree };
}
