import { readWorkspaces } from "../../commands/shared/workspaces.js";
import { isService, serviceName } from "../../core/changed.js";
import { planChange } from "../../core/plan.js";
import type { PipelineHistoryState } from "../history-state.js";
import { changedPaths, snapshotWorkingTree } from "../snapshot.js";
import type { PipelineState } from "../state.js";
import type { Stage } from "../types.js";

interface ChangedStageOptions {
  /** `--all`: every service, whatever changed. */
  all: boolean;
  previous: PipelineHistoryState;
}

/**
 * Stage 1: the services this run builds — `horizon changed`'s rules, applied
 * to what changed since the last green run, uncommitted work included.
 */
export function changedStage(state: PipelineState, options: ChangedStageOptions): Stage {
  return {
    id: "changed",
    title: "affected services",
    async run(ctx) {
      const tree = await snapshotWorkingTree(ctx.root);
      state.tree = tree;
      const workspaces = await readWorkspaces(tree, ctx.root);
      state.allServices = workspaces.filter(isService).map(serviceName).sort();
      const last = options.previous.lastGreen;
      const paths = options.all || !last ? undefined : await changedPaths(last.tree, tree, ctx.root).catch(() => undefined);
      // `horizon plan`'s rules, with the last green run's snapshot as every service's base.
      const base = paths && last ? last.tree : null;
      const plan = planChange({
        head: tree,
        workspaces,
        bases: Object.fromEntries(state.allServices.map((s) => [s, base])),
        changedSince: new Map(base && paths ? [[base, paths]] : []),
      });
      state.services = plan.services;
      state.packages = plan.packages;
      const packages = plan.packages.length ? `; packages ${plan.packages.join(", ")}` : "";
      if (!last || options.all) {
        const why = options.all ? "--all" : "no green run yet";
        return { status: "passed", summary: `all ${state.services.length} services (${why}): ${state.services.join(", ")}${packages}` };
      }
      if (!paths) return { status: "passed", summary: `all services: the last green run's snapshot is gone (${last.tree.slice(0, 12)})${packages}` };
      const since = `since green run ${last.runId}`;
      const files = `${paths.length} ${paths.length === 1 ? "file" : "files"} changed`;
      if (state.services.length === 0 && state.packages.length === 0) return { status: "passed", summary: `no service affected ${since} (${files})` };
      return { status: "passed", summary: `${state.services.join(", ") || "no service"}${packages} (${files} ${since})` };
    },
  };
}
