import type { Command } from "commander";
import type { PipelineOptions } from "./index.js";

export function registerPipeline(program: Command): void {
  program
    .command("pipeline")
    .description("run the whole pipeline on this machine: changed services, lint, tests, scans, build, platform, integration and load tests, gates, release to a local manifests repo, dashboard")
    .option("--all", "build every service, not only those changed since the last green run")
    .option("--load-duration <duration>", "how long the load test runs", "10s")
    .option("--connections <n>", "load-test connections (the spec's concurrent users)", "100")
    .option("--keep <n>", "how many runs to keep in .horizon/runs, this one included (default: 20); older ones are deleted when the run starts")
    .option("--json", "print the run summary as JSON at the end")
    .addHelpText(
      "after",
      `
Artifacts: .horizon/runs/<run-id>/ (summary.json, logs/, coverage/, junit/, gates/, audit, SBOM,
load-test JSON, dashboard.html). The local manifests repo is .horizon/manifests (made from deploy/).
Exit codes: 0 every stage passed, 1 a stage or a required gate failed (the release is not made),
2 bad options, 130 interrupted (Ctrl-C stops the platform and every child process).`,
    )
    .action(async (options: PipelineOptions) => {
      const [{ runPipeline }, { stopAllProcesses }] = await Promise.all([import("./index.js"), import("../../io/process.js")]);
      const controller = new AbortController();
      const onSignal = () => {
        controller.abort();
        stopAllProcesses("SIGTERM");
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await runPipeline(options, { cwd: process.cwd(), write: (t) => void process.stdout.write(t), signal: controller.signal });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
