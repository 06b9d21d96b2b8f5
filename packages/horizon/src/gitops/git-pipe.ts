/**
 * git batch commands the audit trail starts before it knows what to ask them (spawned by io/git.ts, the one
 * place that starts git).
 */
import { ExternalError } from "../errors.js";
import { GitError, spawnGit } from "../io/git.js";
import type { GitOptions } from "../io/git.js";

type Started = ReturnType<typeof spawnGit>;

/** Resolves when git exits 0; rejects with its own words otherwise. */
function exited(child: Started, args: readonly string[]): Promise<void> {
  const stderr: Buffer[] = [];
  child.stderr.on("data", (b: Buffer) => stderr.push(b));
  // git gone before its input was written (a failure, reported below): nothing to add.
  child.stdin.on("error", () => undefined);
  return new Promise((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new ExternalError("git is not installed or not on PATH", { cause: error }) : error),
    );
    child.on("close", (code) => (code === 0 ? resolve() : reject(new GitError(args, code, Buffer.concat(stderr).toString("utf8")))));
  });
}

/** A git batch command (`cat-file --batch`, `diff-tree --stdin`) started before its input is known. */
export interface PendingGit {
  /** Writes the input and ends it; resolves with git's standard output once git exits 0. */
  run(input: string): Promise<Buffer>;
  /** Ends git without input (no answer wanted). */
  cancel(): void;
}

/**
 * Starts git now, reading its input later: started while the history is still small in memory, git has opened
 * the repository by the time the input is known, and node, whose heap has grown meanwhile, forks nothing then.
 */
export function startGit(args: readonly string[], options: Omit<GitOptions, "input">): PendingGit {
  const child = spawnGit(args, options);
  const stdout: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => stdout.push(b));
  const done = exited(child, args).then(() => Buffer.concat(stdout));
  // A cancelled command's exit is nobody's business; run() hands the outcome to its caller.
  done.catch(() => undefined);
  return {
    run: (input) => {
      child.stdin.end(input);
      return done;
    },
    cancel: () => void child.stdin.end(),
  };
}
