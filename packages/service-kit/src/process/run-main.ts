import type { RunningService, StartOptions } from "./service.js";

export interface RunMainOptions {
  env?: NodeJS.ProcessEnv;
  /** Injectable for tests; defaults to process.exit. */
  exit?: (code: number) => void;
  /** Where the one-line messages go; defaults to stderr. */
  print?: (line: string) => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A service process: start, then on SIGTERM/SIGINT close gracefully within
 * SHUTDOWN_TIMEOUT_MS and exit 0 (1 when it takes longer, or on a second
 * signal). A start-up failure prints one line, no stack, and exits 1.
 */
export async function runMain(
  start: (options?: StartOptions) => Promise<RunningService>,
  options: RunMainOptions = {},
): Promise<RunningService | undefined> {
  const env = options.env ?? process.env;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  let running: RunningService;
  try {
    running = await start({ env });
  } catch (error) {
    print(`start-up failed: ${messageOf(error)}`);
    exit(1);
    return undefined;
  }
  const timeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000) || 10_000;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      print(`${running.name}: ${signal} again, exiting now`);
      exit(1);
      return;
    }
    stopping = true;
    const timer = setTimeout(() => {
      print(`${running.name}: did not stop within ${timeoutMs} ms, exiting`);
      exit(1);
    }, timeoutMs);
    timer.unref();
    running.close().then(
      () => {
        clearTimeout(timer);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        print(`${running.name}: shutdown failed: ${messageOf(error)}`);
        exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  return running;
}
