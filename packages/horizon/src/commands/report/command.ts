import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { ReportOptions } from "./index.js";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("write the delivery dashboard: last run, quality gates, environments, deployment history, DORA (one self-contained HTML file)")
    .option("--run <dir>", "run folder (default: the newest under .horizon/runs)")
    .option("--manifests <dir>", "manifests repository (default: .horizon/manifests)")
    .option("--env <env>", "environment for DORA metrics (default: production if it has deployments, else the busiest)")
    .option("--since <window>", "DORA window: 90d, 12w, 36h or an ISO date", "90d")
    .option("--out <file>", "where to write the page (default: dashboard.html in the run folder)")
    .option("--json", "also print the dashboard's data as JSON")
    .action(async (options: ReportOptions) => {
      const { runReport } = await import("./index.js");
      await runReport(options, processIo());
    });
}
