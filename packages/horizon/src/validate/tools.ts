import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { ExternalError } from "../errors.js";

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The first executable `name` on PATH, or undefined (the check that needs it is skipped, and says so). */
export async function findExecutable(name: string, path = process.env.PATH ?? ""): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Runs a tool to completion and returns what it printed; never throws for a non-zero exit. */
export function runTool(command: string, args: readonly string[], cwd: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        // Not an exit status: the tool could not start, or was killed (timeout).
        reject(new ExternalError(`${command} ${args[0] ?? ""} failed: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/**
 * A tool's error output in one line: kubectl's Go log wrapper removed
 * (`E1126 ... "command failed" err="..."`), and long chains of context cut to
 * their end, where the cause is.
 */
export function toolMessage(output: string, max = 300): string {
  const wrapped = /"command failed" err="((?:[^"\\]|\\.)*)"/.exec(output);
  const text = (wrapped?.[1]?.replace(/\\"/g, '"') ?? output)
    .split("\n")
    .map((l) => l.replace(/^E\d{4} [\d:.]+\s+\d+ \S+\] /, "").trim())
    .filter(Boolean)
    .join(" ");
  return text.length > max ? `...${text.slice(-max)}` : text;
}
