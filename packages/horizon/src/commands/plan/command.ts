import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { PlanOptions } from "./index.js";

export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("what a change runs: affected services and packages, the checks and the stages (one definition for horizon pipeline and ci.yml)")
    .option("--manifests <dir>", "the manifests repo: each service's change set starts at the source commit deployed in --env")
    .option("--env <env>", "environment whose deployed commits are the bases", "development")
    .option("--base <ref>", "one base for every service instead (a pull request's base commit)")
    .option("--head <ref>", "the commit the change ends at", "HEAD")
    .option("--json", "print the plan as JSON (CONTRACTS.md: base, head, services, packages, checks, stages)")
    .addHelpText(
      "after",
      `
A service whose deployed commit is unknown, not in this clone, or that the environment
does not run is planned from the whole tree: a run that failed or was cancelled never
makes a later run skip its changes. Exit codes: 0 printed, 2 bad ref or not a repository.`,
    )
    .action(async (options: PlanOptions) => {
      const { runPlan } = await import("./index.js");
      await runPlan(options, processIo());
    });
}
