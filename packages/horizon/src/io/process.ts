import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface RunOptions {
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
