import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExternalError } from "../errors.js";
import { CapturedFailure, captureProcess, spawnPiped } from "./process.js";

interface GitOptions {
  /** Working directory: the repository (or a folder inside it). */
  cwd: string;
  /** Extra environment, merged over process.env (so the user's GIT_* settings still apply). */
  env?: NodeJS.ProcessEnv;
  /** Text written to git's standard input. */
  input?: string;
  /** Exit statuses besides 0 that are answers, not failures (`git diff --no-index` exits 1 when files differ). */
  okExitCodes?: readonly number[];
}

interface GitResult {
  stdout: string;
  stderr: string;
}

/** A git command that exited non-zero. `stderr` is git's own words. */
export class GitError extends ExternalError {
  override readonly name: string = "GitError";
  constructor(
    readonly args: readonly string[],
    readonly exitStatus: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`git ${args.join(" ")} failed: ${stderr.trim() || `exit ${String(exitStatus)}`}`, options);
  }
}

/**
 * The one place that runs git (CONVENTIONS: git behind one small module).
 * Uses the git CLI so the user's config, signing, credentials and GIT_*
 * environment apply.
 */
export async function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  try {
    return await captureProcess("git", args, { cwd: options.cwd, env: options.env, input: options.input, maxBuffer: 512 * 1024 * 1024 });
  } catch (error) {
    if (!(error instanceof CapturedFailure)) throw error;
    if (error.exitCode !== null && options.okExitCodes?.includes(error.exitCode)) return { stdout: error.stdout, stderr: error.stderr };
    if (error.errno === "ENOENT") throw new ExternalError("git is not installed or not on PATH", { cause: error.cause });
    throw new GitError(args, error.exitCode, error.stderr, { cause: error.cause });
  }
}

/**
 * For a git command that takes `--output=<file>` (log, diff-tree) and prints megabytes: git writes to a
 * temporary file, read back in one piece. Through a pipe, node reads such output in 64 KiB pieces and joins
 * them; on the benchmark repository's `git log` (5 MB) the file costs half the CPU time and 50 ms less.
 */
export async function gitOutput(args: readonly string[], options: GitOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-git-"));
  const file = join(dir, "out");
  try {
    await git([...args, `--output=${file}`], options);
    return await readFile(file, "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Like `git`, but returns trimmed stdout. */
export async function gitText(args: readonly string[], options: GitOptions): Promise<string> {
  return (await git(args, options)).stdout.trim();
}

/**
 * A long-running git process with its streams, for conversations such as
 * `git fast-import` (write commands, read answers). The caller ends stdin and
 * waits for `close`.
 */
export function spawnGit(args: readonly string[], options: Omit<GitOptions, "input">): ReturnType<typeof spawnPiped> {
  return spawnPiped("git", args, options);
}
