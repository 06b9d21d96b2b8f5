import type { Command } from "commander";
import { collect } from "../cli-support.js";
import type { GateOptions } from "./index.js";
import type { PublishOptions } from "./publish.js";

export function registerGate(program: Command): void {
  const gate = program
    .command("gate")
    .description("judge test, coverage, security and load evidence against quality-gates.yaml (spec §7.1); exit 1 when a gate fails")
    .option("--config <file>", "gate file", "quality-gates.yaml")
    .option("--coverage <file>", "lcov report; repeat to merge several", collect)
    .option("--audit <file>", "output of `npm audit --json`")
    .option("--junit <file>", "JUnit XML test report; repeat to add several", collect)
    .option("--load <file>", "JSON written by `horizon loadtest --out`")
    .option("--json", "print one JSON object: overall status and every gate's checks")
    .option("--markdown", "print Markdown, and append it to $GITHUB_STEP_SUMMARY when set")
    .option("--junit-out <file>", "also write the verdicts as JUnit XML, one testcase per gate")
    .option("--json-out <file>", "also write the --json report to a file (what `horizon gate publish` reads)")
    .addHelpText(
      "after",
      "\nEvidence that is not given makes its gate a warning, or a failure when the gate says `required: true`.\nExit codes: 0 all gates pass, 1 a gate failed, 2 bad gate file or evidence file.",
    )
    .action(async (options: GateOptions) => {
      const { runGate } = await import("./index.js");
      await runGate(options, { cwd: process.cwd(), env: process.env, write: (text) => process.stdout.write(text) });
    });

  gate
    .command("publish")
    .description("set the gate reports of the affected services as GitHub commit statuses, one per service and gate, plus the aggregate horizon/gates")
    .requiredOption("--reports <dir>", "folder holding gates-<service>.json files (written by horizon gate --json-out), searched recursively")
    .requiredOption("--services <list>", 'the affected services: a JSON array as ci.yml\'s changes job prints it, or a,b,c; "[]" when none')
    .option("--sha <sha>", "the commit to mark (default $GITHUB_SHA)")
    .option("--repo <owner/name>", "the repository (default $GITHUB_REPOSITORY)")
    .option("--api-url <url>", "GitHub's REST API (default $GITHUB_API_URL, else https://api.github.com)")
    .option("--target-url <url>", "the link each status carries (the workflow run)")
    .option("--dry-run", "print the statuses and set none")
    .option("--json", "print the statuses as JSON")
    .addHelpText("after", "\nThe token is $GITHUB_TOKEN (permission statuses: write); it is never printed.\nAn affected service without a report fails horizon/gates. Exit codes: 0 statuses set, 2 bad input, 3 GitHub refused or could not be reached.")
    .action(async (options: PublishOptions) => {
      const { runPublish } = await import("./publish.js");
      await runPublish(options, { cwd: process.cwd(), env: process.env, write: (text) => process.stdout.write(text) });
    });
}
