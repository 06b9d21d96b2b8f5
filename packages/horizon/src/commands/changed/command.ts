import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { ChangedOptions } from "./index.js";

export function registerChanged(program: Command): void {
  program
    .command("changed")
    .description("print the services a change affects (base...head), for a CI build matrix")
    .requiredOption("--base <ref>", "the commit the change starts from (merge-base semantics, like base...head)")
    .option("--head <ref>", "the commit the change ends at", "HEAD")
    .option("--json", "print a JSON array of service names, for fromJSON() in a GitHub Actions matrix")
    .addHelpText(
      "after",
      `
A file under services/<name>/ affects that service; under packages/<p>/, every service
that depends on <p> (transitively, from the workspaces' package.json); a shared root file
(package-lock.json, tsconfig*.json, eslint.config.js, vitest.*, .npmrc, .nvmrc, .github/,
and any root file no rule knows) affects all services; *.md, docs/ and deploy/ affect none.
Exit codes: 0 printed (possibly nothing), 2 unknown ref or not a git repository, 3 git failed.`,
    )
    .action(async (options: ChangedOptions) => {
      const { runChanged } = await import("./index.js");
      await runChanged(options, processIo());
    });
}
