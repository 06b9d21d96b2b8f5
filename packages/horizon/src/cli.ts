import { Command, CommanderError } from "commander";
import { registerChanged } from "./commands/changed/index.js";
import { registerCompliance } from "./commands/compliance/index.js";
import { registerDora } from "./commands/dora/index.js";
import { registerGate } from "./commands/gate/index.js";
import { registerLoadtest } from "./commands/loadtest/index.js";
import { registerPipeline } from "./commands/pipeline/index.js";
import { registerRelease } from "./commands/release/index.js";
import { registerReport } from "./commands/report/index.js";
import { registerScan } from "./commands/scan/index.js";
import { registerValidate } from "./commands/validate/index.js";
import { ExitCode, ExitError } from "./errors.js";

/**
 * Builds the `horizon` program. Each command lives in `commands/<name>/` and
 * exports a `register<Name>(program)` that adds itself here.
 */
export function buildProgram(): Command {
  const program = new Command("horizon")
    .description("Blessed Horizon's delivery toolkit: the pipeline's decisions, the same in CI and on a laptop")
    .option("--debug", "print stack traces of errors")
    .showHelpAfterError()
    .exitOverride();
  // Commands register here, one line each.
  registerGate(program);
  registerChanged(program);
  registerLoadtest(program);
  registerRelease(program);
  registerDora(program);
  registerCompliance(program);
  registerValidate(program);
  registerReport(program);
  registerPipeline(program);
  registerScan(program);
  return program;
}

/** Entry point: runs the program and maps every error to an exit code. Never calls process.exit. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, argv.includes("--debug"));
  }
}

function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // --help and --version exit through here with code 0; commander already printed.
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (error instanceof ExitError) {
    process.stderr.write(`horizon: ${error.message}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`horizon: unexpected error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write("horizon: run again with --debug for the stack trace\n");
  return ExitCode.External;
}
