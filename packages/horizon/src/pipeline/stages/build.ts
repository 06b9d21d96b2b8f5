import { firstBuildError, runLogged, runNpm, tailOfLog } from "../commands.js";
import { serviceImageBuild } from "../../core/service-image.js";
import { runProcess } from "../../io/process.js";
import { type PipelineState, whenAffected, whenAnyAffected } from "../state.js";
import type { Stage } from "../types.js";

/** The shared packages every service's build imports from dist/. */
const SHARED_PACKAGES = ["packages/contracts", "packages/service-kit"];

/** The shared packages, once, before the services that import them. */
export function buildPackagesStage(state: PipelineState): Stage {
  return {
    id: "build-packages",
    title: "build shared packages",
    when: whenAnyAffected(state),
    async run(ctx) {
      // The typecheck stage has checked every file already: emit only.
      const result = await runNpm(ctx, ["run", "build", ...SHARED_PACKAGES.flatMap((w) => ["-w", w]), "--", "--noCheck"]);
      if (result.exitCode === 0) return { status: "passed", summary: `tsc built ${SHARED_PACKAGES.join(", ")}` };
      return { status: "failed", summary: `build failed: ${await firstBuildError(ctx)}` };
    },
  };
}

export function buildStage(state: PipelineState, service: string): Stage {
  return {
    id: `build-${service}`,
    title: "build",
    service,
    when: whenAffected(state, service),
    async run(ctx) {
      const result = await runNpm(ctx, ["run", "build", "-w", `services/${service}`, "--", "--noCheck"]);
      if (result.exitCode === 0) return { status: "passed", summary: `tsc built services/${service}/dist` };
      return { status: "failed", summary: `build failed: ${await firstBuildError(ctx)}` };
    },
  };
}

/**
 * Container images, each from the one service Dockerfile with SERVICE set,
 * where an engine answers; otherwise the stage says so —
 * never a silent pass (CI on GitHub builds and scans the images).
 */
export function imageStage(state: PipelineState, service: string, tag: () => string): Stage {
  return {
    id: `image-${service}`,
    title: "image",
    service,
    when: whenAffected(state, service),
    async run(ctx) {
      const engine = await containerEngine(ctx.root);
      if (!engine) return { status: "skipped", summary: "skipped: no container engine (docker or podman) answers on this machine" };
      const image = `blessed-horizon/${service}:${tag()}`;
      const result = await runLogged(ctx, engine, serviceImageBuild(service, { tag: image, version: tag() }));
      if (result.exitCode === 0) return { status: "passed", summary: `${engine} built ${image}` };
      return { status: "failed", summary: `${engine} build failed: ${await tailOfLog(ctx)}` };
    },
  };
}

let engineProbe: Promise<string | undefined> | undefined;

/** Asked once per run: `docker info` takes a while to say no. */
function containerEngine(cwd: string): Promise<string | undefined> {
  engineProbe ??= findContainerEngine(cwd);
  return engineProbe;
}

async function findContainerEngine(cwd: string): Promise<string | undefined> {
  for (const engine of ["docker", "podman"]) {
    const probe = await runProcess(engine, ["info"], { cwd }).catch(() => undefined);
    if (probe?.exitCode === 0) return engine;
  }
  return undefined;
}
