import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { BackupOptions } from "./backup.js";

export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description("back up the manifests repo (and with --repo the application repository) as verified git bundles with manifest.json of their checksums, into a new folder")
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree): policy, flags, holds, Argo CD objects")
    .option("--repo <dir>", "also the application repository: quality gates, workflows, deploy/")
    .requiredOption("--out <dir>", "a new or empty folder for the bundles and manifest.json")
    .option("--json", "print the backup record (manifest.json) as JSON")
    .action(async (options: BackupOptions) => {
      const { runBackup } = await import("./backup.js");
      await runBackup(options, processIo());
    });
}
