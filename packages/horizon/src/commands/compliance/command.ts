import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { ComplianceOptions } from "./index.js";

export function registerCompliance(program: Command): void {
  program
    .command("compliance")
    .description("monthly compliance report (spec §11.1): deployments and rollbacks per environment, unsigned release commits, DORA")
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .requiredOption("--month <yyyy-mm>", "the month, UTC")
    .option("--incidents <file>", "JSON [{id, openedAt, resolvedAt, deployment?}]")
    .option("--json", "print the report as JSON")
    .action(async (options: ComplianceOptions) => {
      const { runCompliance } = await import("./index.js");
      await runCompliance(options, processIo());
    });
}
