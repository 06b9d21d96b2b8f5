import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerBackup } from "./commands/backup/command.js";
import { registerChanged } from "./commands/changed/command.js";
import { registerCompliance } from "./commands/compliance/command.js";
import { registerDora } from "./commands/dora/command.js";
import { registerFlags } from "./commands/flags/command.js";
import { registerGate } from "./commands/gate/command.js";
import { registerLoadtest } from "./commands/loadtest/command.js";
import { registerPipeline } from "./commands/pipeline/command.js";
import { registerPlan } from "./commands/plan/command.js";
import { registerRelease } from "./commands/release/command.js";
import { registerReport } from "./commands/report/command.js";
import { registerRestore } from "./commands/restore/command.js";
import { registerScan } from "./commands/scan/command.js";
import { registerValidate } from "./commands/validate/command.js";
import { ExitCode, ExitError } from "./errors.js";

/** The package's version; this file is src/cli.ts or dist/cli.js, one folder below package.json either way. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

/**
 * Builds the `horizon` program. Each command's options live in
 * `commands/<name>/command.ts`, which imports its implementation only when
 * the command runs (`await import()` in the action), so `--help` and every
 * other command load none of its dependencies.
 */
export function buildProgram(): Command {
  const program = new Command("horizon")
    .description("Blessed Horizon's delivery toolkit: the pipeline's decisions, the same in CI and on a laptop")
    .version(packageVersion(), "-V, --version", "print horizon's version")
    .option("--debug", "print stack traces of errors")
    .showHelpAfterError()
    .exitOverride();
  // Commands register here, one line each.
  registerGate(program);
  registerChanged(program);
  registerPlan(program);
  registerLoadtest(program);
  registerRelease(program);
  registerFlags(program);
  registerDora(program);
  registerCompliance(program);
  registerValidate(program);
  registerReport(program);
  registerPipeline(program);
  registerScan(program);
  registerBackup(program);
  registerRestore(program);
  return program;
}

/**
 * A reader that stops early (`horizon compliance --json | head -c 300`) closes the pipe: what the command
 * prints after that has nowhere to go and is dropped, instead of an EPIPE crash with a stack trace. The
 * command still finishes what it started (a release stopped between commit and push because a pager quit
 * would be worse than the lost lines) and exits with its own code.
 */
function dropOutputAfterClosedPipe(stream: NodeJS.WriteStream): void {
  if (closedPipeGuarded.has(stream)) return;
  closedPipeGuarded.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}
const closedPipeGuarded = new WeakSet<NodeJS.WriteStream>();

/** Entry point: runs the program and maps every error to an exit code. Never calls process.exit. */
export async function main(argv: readonly string[]): Promise<number> {
  dropOutputAfterClosedPipe(process.stdout);
  dropOutputAfterClosedPipe(process.stderr);
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
