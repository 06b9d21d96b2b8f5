import { execFile, spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExternalError } from "../errors.js";

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
export function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 512 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : null;
        if (!error || (code !== null && options.okExitCodes?.includes(code))) return resolve({ stdout, stderr });
        if (error.code === "ENOENT") return reject(new ExternalError("git is not installed or not on PATH", { cause: error }));
        reject(new GitError(args, code, stderr, { cause: error }));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
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
export function spawnGit(args: readonly string[], options: Omit<GitOptions, "input">): ChildProcessWithoutNullStreams {
  return spawn("git", [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: "pipe" });
}
