import { execFile, spawn, type ChildProcess } from "node:child_process";
import { constants, createWriteStream } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { ExternalError } from "../errors.js";

// Every process horizon starts, but git (io/git.ts): pipeline steps and the platform (runProcess, startBackground)
// stream their output; tools whose output is read (kubectl, promtool, npm) run to completion (runTool).

interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Everything the process prints (stdout and stderr) is appended here. */
  logFile?: string;
  /** Called with each chunk the process prints, e.g. to show progress. */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  exitCode: number;
  signal: NodeJS.Signals | null;
  durationMs: number;
}

const running = new Set<ChildProcess>();

/**
 * Runs a command in its own process group, so that stopping it (or Ctrl-C on
 * the pipeline) also stops every process it started. Never throws for a
 * non-zero exit: the caller decides what a failure means.
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return launch(command, args, options).done;
}

function launch(command: string, args: readonly string[], options: RunOptions): { child: ChildProcess; done: Promise<RunResult> } {
  const started = performance.now();
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  running.add(child);
  const done = new Promise<RunResult>((resolve, reject) => {
    const log = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
    const forward = (chunk: Buffer) => {
      log?.write(chunk);
      options.onOutput?.(chunk.toString("utf8"));
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.on("error", (error) => {
      running.delete(child);
      log?.end();
      reject(error);
    });
    child.on("close", (code, signal) => {
      running.delete(child);
      const result = { exitCode: code ?? 1, signal, durationMs: performance.now() - started };
      if (log) log.end(() => resolve(result));
      else resolve(result);
    });
  });
  return { child, done };
}

/** A long-running process (the platform under test): started, then stopped by the caller. */
export interface BackgroundProcess {
  readonly pid: number;
  stop(timeoutMs?: number): Promise<void>;
  /** Resolves when the process exits by itself. */
  readonly exited: Promise<RunResult>;
}

export function startBackground(command: string, args: readonly string[], options: RunOptions): BackgroundProcess {
  const { child, done } = launch(command, args, options);
  const pid = child.pid ?? -1;
  // Settles on "close": the process AND everything still holding its output are gone.
  // Its own exit is not enough: a grandchild it started may still run in the group.
  let closed = false;
  done.then(
    () => (closed = true),
    () => (closed = true),
  );
  return {
    pid,
    exited: done,
    async stop(timeoutMs = 10_000) {
      if (closed || pid < 0) return;
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), timeoutMs);
      await done.catch(() => undefined);
      clearTimeout(timer);
    },
  };
}

/** Stops every process this module started and that is still running (Ctrl-C). */
export function stopAllProcesses(signal: NodeJS.Signals = "SIGTERM"): void {
  for (const child of running) if (child.pid) signalGroup(child.pid, signal);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

interface ToolResult {
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
