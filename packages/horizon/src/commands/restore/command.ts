import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { RestoreOptions } from "./restore.js";

export function registerRestore(program: Command): void {
  program
    .command("restore")
    .description("rebuild the repositories of a horizon backup into a new folder (<into>/manifests, <into>/application) after checking its checksums; --verify also checks signatures, renders and validates every environment and prints what each would run")
    .requiredOption("--from <dir>", "the backup folder (its manifest.json and *.bundle files)")
    .requiredOption("--into <dir>", "a new or empty folder; nothing is written there unless the restore (and --verify) succeeds")
    .option("--verify", "check every commit's signature status against the backup's record, render (kubectl kustomize) and validate every environment, print what each would run")
    .option("--json", "print the outcome as JSON")
    .action(async (options: RestoreOptions) => {
      const { runRestore } = await import("./restore.js");
      await runRestore(options, processIo());
    });
}
