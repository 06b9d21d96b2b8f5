import { execFile, spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process";
import { constants, createWriteStream } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { ExternalError } from "../errors.js";

// Every process horizon starts: pipeline steps and the platform (runProcess, startBackground) stream their
// output; tools whose output is read (kubectl, promtool, npm, and git through io/git.ts) run to completion
// (runTool, captureProcess).

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

interface CaptureOptions {
  cwd: string;
  /** Extra environment, merged over process.env. */
  env?: NodeJS.ProcessEnv;
  /** Text written to the process's standard input. */
  input?: string;
  maxBuffer?: number;
  /** Killed after this long; no limit when absent. */
  timeoutMs?: number;
}

/** A process that exited non-zero or could not start, with what it printed; `exitCode` is null when there was no exit status (not found, killed). */
export class CapturedFailure extends Error {
  override readonly name = "CapturedFailure";
  constructor(
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly errno: string | undefined,
    options: { cause: unknown },
  ) {
    super(`exit ${String(exitCode)}`, options);
  }
}

/** Runs a process to completion and returns what it printed; a non-zero exit or a failure to start rejects with CapturedFailure. */
export function captureProcess(command: string, args: readonly string[], options: CaptureOptions): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const code = typeof error.code === "number" ? error.code : null;
        reject(new CapturedFailure(code, stdout, stderr, typeof error.code === "string" ? error.code : undefined, { cause: error }));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A long-running process with its three streams piped, for conversations (write commands, read answers). The caller ends stdin and waits for `close`. */
export function spawnPiped(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcessWithoutNullStreams {
  return spawn(command, [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: "pipe" });
}

/** Runs a tool to completion and returns what it printed; never throws for a non-zero exit. */
export async function runTool(command: string, args: readonly string[], cwd: string): Promise<ToolResult> {
  try {
    return { exitCode: 0, ...(await captureProcess(command, args, { cwd, timeoutMs: 120_000 })) };
  } catch (error) {
    if (error instanceof CapturedFailure && error.exitCode !== null) return { exitCode: error.exitCode, stdout: error.stdout, stderr: error.stderr };
    // Not an exit status: the tool could not start, or was killed (timeout).
    const cause = error instanceof CapturedFailure ? error.cause : error;
    throw new ExternalError(`${command} ${args[0] ?? ""} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
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
