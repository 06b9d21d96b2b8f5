import type { Command } from "commander";
import { collect } from "../cli-support.js";
import type { GateOptions } from "./index.js";

export function registerGate(program: Command): void {
  program
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
    .addHelpText(
      "after",
      "\nEvidence that is not given makes its gate a warning, or a failure when the gate says `required: true`.\nExit codes: 0 all gates pass, 1 a gate failed, 2 bad gate file or evidence file.",
    )
    .action(async (options: GateOptions) => {
      const { runGate } = await import("./index.js");
      await runGate(options, { cwd: process.cwd(), env: process.env, write: (text) => process.stdout.write(text) });
    });
}
