import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { ValidateCommandOptions } from "./index.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check workflows (actionlint), Kubernetes/Argo CD/Flagger objects (schemas), kustomizations (kubectl kustomize), Dockerfiles and alert rules (promtool)")
    .option("--root <dir>", "the repository to check", ".")
    .option("--json", "print {findings, checked, skipped} as JSON")
    .action(async (options: ValidateCommandOptions) => {
      const { runValidate } = await import("./index.js");
      await runValidate(options, processIo());
    });
}
