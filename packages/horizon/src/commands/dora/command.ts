import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { DoraOptions } from "./index.js";

export function registerDora(program: Command): void {
  program
    .command("dora")
    .description("DORA four keys (deployment frequency, lead time, change failure rate, time to restore) from the manifests repo, each with its tier")
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .option("--env <env>", "environment whose deployments count", "production")
    .option("--since <when>", "window start: 90d, 12w, 36h or a date", "90d")
    .option("--incidents <file>", "JSON [{id, openedAt, resolvedAt, deployment?}]: incidents fail the deployment they name")
    .option("--json", "print the report as JSON")
    .action(async (options: DoraOptions) => {
      const { runDora } = await import("./index.js");
      await runDora(options, processIo());
    });
}
