import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runProcess, type RunResult } from "../io/process.js";
import type { StageContext } from "./types.js";

/** The horizon CLI itself, so pipeline stages run exactly what CI runs. */
const HORIZON_BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "horizon.js");

/** Runs a command for a stage: output to the stage's log, its last line as live progress. */
export function runLogged(ctx: StageContext, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return runProcess(command, args, {
    cwd: ctx.root,
    env: { FORCE_COLOR: "0", NO_COLOR: "1", ...env },
    logFile: ctx.logFile,
    onOutput: (chunk) => {
      const last = chunk.trim().split("\n").at(-1);
      if (last) ctx.progress(last);
    },
  });
}

export function runHorizon(ctx: StageContext, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return runLogged(ctx, process.execPath, [HORIZON_BIN, ...args], env);
}

export function runNpm(ctx: StageContext, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return runLogged(ctx, npmCommand(), args, env);
}

function npmCommand(): string {
  return process.platform === "win32" ? "npm.cmd" : "npm";
}

/** The last lines of a stage's log, to say why it failed without opening the file. */
export async function tailOfLog(ctx: StageContext, lines = 1): Promise<string> {
  const text = await readFile(ctx.logFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(" | ");
}

/** The log's first line matching `pattern` (colour codes removed), else its last line. */
async function firstLogLine(ctx: StageContext, pattern: RegExp): Promise<string> {
  const text = await readFile(ctx.logFile, "utf8").catch(() => "");
  // eslint-disable-next-line no-control-regex -- colour codes, should a tool print them anyway
  const line = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => pattern.test(l));
  return line ? line.trim() : tailOfLog(ctx);
}

/**
 * Why a test run failed, in one line: Vitest's first "FAIL <file> > <test>"
 * line, which names the test (npm's own last line only names the command).
 */
export const firstTestFailure = (ctx: StageContext): Promise<string> => firstLogLine(ctx, /^\s*FAIL\s/);

/** Why a build failed: tsc's first "file(line,col): error TSnnnn: ..." line. */
export const firstBuildError = (ctx: StageContext): Promise<string> => firstLogLine(ctx, /^\s*(\S+\(\d+,\d+\): )?error TS\d+:/);
