import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { DoraOptions } from "./index.js";

export function registerDora(program: Command): void {
  program
    .command("dora")
    .description("DORA four keys (deployment frequency, lead time, change failure rate, time to restore) and rework rate from the manifests repo, each with its tier")
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .option("--env <env>", "environment whose deployments count", "production")
    .option("--since <when>", "window start: 90d, 12w, 36h or a date", "90d")
    .option("--incidents <file>", "JSON [{id, openedAt, resolvedAt, deployment?, rootCause?}]: an incident fails the deployment it names (dora) or the one that brought its root-cause source commit (fourkeys)")
    .option("--definition <name>", "dora (the DORA reports' published definitions) or fourkeys (dora-team/fourkeys' dashboard queries)", "dora")
    .option("--source <dir>", "the application repository the images were built from: lead time over every commit of each release (default: the current repository, if it has the recorded source commits)")
    .option("--rework-window <duration>", "a deployment this long after a rollback of its service is rework (24h, 90m, 2d)", "24h")
    .option("--json", "print the report as JSON")
    .action(async (options: DoraOptions) => {
      const { runDora } = await import("./index.js");
      await runDora(options, processIo());
    });
}
