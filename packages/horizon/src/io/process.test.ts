import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runProcess, startBackground, stopAllProcesses } from "./process.js";

const dir = mkdtempSync(join(tmpdir(), "horizon-process-"));
const started: number[] = [];
afterAll(() => {
  // Whatever a failed assertion left behind.
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Running, not a zombie waiting for its (re)parent to reap it: a zombie runs nothing. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; Z is a zombie.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Polls until the shell has written the grandchild's pid (and, with `parentGone`, has itself exited). */
const grandchildStarted = (pidFile: string, parentGone?: number) =>
  vi.waitFor(
    () => {
      expect(grandchildPid(pidFile)).toBeGreaterThan(0);
      if (parentGone !== undefined) expect(alive(parentGone)).toBe(false);
    },
    { timeout: 10_000, interval: 25 },
  );

const exits = (pid: number) => vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 5_000, interval: 25 });

/** A shell that starts `sleep 60` in the background (a grandchild), writes its pid, then waits for it. */
function parentWithGrandchild(pidFile: string, ignoreTerm = false): [string, string[]] {
  const trap = ignoreTerm ? "trap '' TERM; " : "";
  return ["sh", ["-c", `${trap}sleep 60 & echo $! > ${pidFile}; wait`]];
}

const grandchildPid = (pidFile: string) => Number(readFileSync(pidFile, "utf8").trim());

describe("runProcess", () => {
  it("appends everything the process prints, stdout and stderr, to the log file", async () => {
    const log = join(dir, "out.log");
    const result = await runProcess("sh", ["-c", "echo to-stdout; echo to-stderr >&2"], { cwd: dir, logFile: log });
    expect(result.exitCode).toBe(0);
    const text = readFileSync(log, "utf8");
    expect(text).toContain("to-stdout\n");
    expect(text).toContain("to-stderr\n");
    await runProcess("sh", ["-c", "echo second"], { cwd: dir, logFile: log });
    expect(readFileSync(log, "utf8")).toMatch(/to-stdout[\s\S]*second\n$/);
  });

  it("returns a non-zero exit code instead of throwing", async () => {
    const seen: string[] = [];
    const result = await runProcess("sh", ["-c", "echo failing; exit 7"], { cwd: dir, onOutput: (chunk) => seen.push(chunk) });
    expect(result).toMatchObject({ exitCode: 7, signal: null });
    expect(seen.join("")).toBe("failing\n");
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it("passes extra environment and the working directory", async () => {
    let out = "";
    await runProcess("sh", ["-c", 'echo "$HORIZON_TEST_VALUE $(pwd)"'], { cwd: dir, env: { HORIZON_TEST_VALUE: "hello" }, onOutput: (c) => (out += c) });
    expect(out.trim()).toBe(`hello ${dir}`);
  });

  it("rejects, naming the error, when the command does not exist", async () => {
    await expect(runProcess("horizon-no-such-command", [], { cwd: dir })).rejects.toThrow(/ENOENT/);
  });
});

describe("startBackground", () => {
  it("stop() ends the whole process group: the child and the grandchild it started", async () => {
    const pidFile = join(dir, "grandchild-1.pid");
    const [command, args] = parentWithGrandchild(pidFile);
    const proc = startBackground(command, args, { cwd: dir });
    started.push(proc.pid);
    await grandchildStarted(pidFile);
    const grandchild = grandchildPid(pidFile);
    started.push(grandchild);
    expect(alive(proc.pid)).toBe(true);
    expect(alive(grandchild)).toBe(true);
    await proc.stop();
    await exits(grandchild);
    expect(alive(proc.pid)).toBe(false);
    expect(alive(grandchild)).toBe(false);
    const result = await proc.exited;
    expect(result.signal).toBe("SIGTERM");
  });

  it("stop() also ends what is left of the group after the child itself has exited", async () => {
    const pidFile = join(dir, "grandchild-3.pid");
    // The shell exits at once; the sleep it started stays in its process group (like a daemonising start script).
    const proc = startBackground("sh", ["-c", `sleep 60 & echo $! > ${pidFile}`], { cwd: dir });
    started.push(proc.pid);
    await grandchildStarted(pidFile, proc.pid);
    const grandchild = grandchildPid(pidFile);
    started.push(grandchild);
    expect(alive(grandchild)).toBe(true);
    await proc.stop(1_000);
    await exits(grandchild);
    expect(alive(grandchild)).toBe(false);
  });

  it("stop() falls back to SIGKILL when the group ignores SIGTERM", async () => {
    const pidFile = join(dir, "grandchild-2.pid");
    const [command, args] = parentWithGrandchild(pidFile, true);
    const proc = startBackground(command, args, { cwd: dir });
    started.push(proc.pid);
    await grandchildStarted(pidFile);
    const grandchild = grandchildPid(pidFile);
    started.push(grandchild);
    await proc.stop(300);
    await exits(grandchild);
    expect(alive(proc.pid)).toBe(false);
    expect((await proc.exited).signal).toBe("SIGKILL");
  });

  it("stopAllProcesses (Ctrl-C) stops every group still running", async () => {
    const a = startBackground("sleep", ["60"], { cwd: dir });
    const b = startBackground("sleep", ["60"], { cwd: dir });
    started.push(a.pid, b.pid);
    stopAllProcesses();
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    expect([ra.signal, rb.signal]).toEqual(["SIGTERM", "SIGTERM"]);
    expect(alive(a.pid) || alive(b.pid)).toBe(false);
  });

  it("stop() after the process has exited by itself is a no-op", async () => {
    const proc = startBackground("sh", ["-c", "exit 3"], { cwd: dir });
    expect((await proc.exited).exitCode).toBe(3);
    await expect(proc.stop()).resolves.toBeUndefined();
  });
});
