import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runProcess, stopAllProcesses } from "../io/process.js";
import { ProgressPrinter } from "./progress.js";
import { executeStages } from "./runner.js";
import type { RunSummary, Stage, StageOutcome } from "./types.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(): { runDir: string; printed: () => string; run: (stages: Stage[], signal?: AbortSignal) => Promise<RunSummary> } {
  const runDir = mkdtempSync(join(tmpdir(), "horizon-runner-"));
  dirs.push(runDir);
  let out = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const printer = new ProgressPrinter(sink, false);
  const run = (stages: Stage[], signal?: AbortSignal) =>
    executeStages(stages, { summary: { runId: "r1", startedAt: new Date().toISOString(), durationMs: 0, status: "running", services: [], stages: [] }, runDir, root: runDir, printer, signal });
  return { runDir, printed: () => out, run };
}

function stage(id: string, run: Stage["run"], extra: Partial<Stage> = {}): Stage {
  return { id, title: id, run, ...extra };
}

const passed = (summary: string): StageOutcome => ({ status: "passed", summary });
const readSummary = (runDir: string) => JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as RunSummary;

describe("executeStages", () => {
  it("runs stages in order and records each one's duration, status and summary", async () => {
    const { runDir, run, printed } = setup();
    const order: string[] = [];
    const summary = await run([
      stage("first", async () => {
        order.push("first");
        await sleep(120);
        return passed("slow one");
      }),
      stage("second", () => {
        order.push("second");
        return Promise.resolve({ status: "warning", summary: "no network: audit has no evidence" });
      }),
    ]);
    expect(order).toEqual(["first", "second"]);
    expect(summary.stages.map((s) => [s.id, s.status, s.summary])).toEqual([
      ["first", "passed", "slow one"],
      ["second", "warning", "no network: audit has no evidence"],
    ]);
    expect(summary.stages[0]?.durationMs).toBeGreaterThanOrEqual(100);
    expect(summary.stages[1]?.durationMs).toBeLessThan(summary.stages[0]?.durationMs ?? 0);
    expect(summary.status).toBe("passed");
    expect(summary.durationMs).toBeGreaterThanOrEqual(100);
    expect(summary.finishedAt).toBeDefined();
    expect(readSummary(runDir)).toEqual(summary);
    expect(printed()).toContain("[1/2] first");
    expect(printed()).toMatch(/✔ \[1\/2\] first {2}passed in \d+ ms — slow one/);
  });

  it("skips a stage whose `when` gives a reason, without running it, and says why", async () => {
    const { run, printed } = setup();
    let ran = false;
    const summary = await run([
      stage("image", () => {
        ran = true;
        return Promise.resolve(passed("built"));
      }, { when: () => "skipped: no container engine" }),
    ]);
    expect(ran).toBe(false);
    expect(summary.stages[0]).toMatchObject({ id: "image", status: "skipped", summary: "skipped: no container engine", durationMs: 0 });
    expect(summary.status).toBe("passed");
    expect(printed()).toContain("skipped in 0 ms — skipped: no container engine");
  });

  it("decides `when` just before the stage, after earlier stages have run", async () => {
    const { run } = setup();
    let gatePassed = false;
    const summary = await run([
      stage("gate", () => {
        gatePassed = true;
        return Promise.resolve(passed("ok"));
      }),
      stage("release", () => Promise.resolve(passed("released")), { when: () => (gatePassed ? true : "gate failed") }),
    ]);
    expect(summary.stages[1]?.status).toBe("passed");
  });

  it("turns a throwing stage into a failed one with its message, runs the rest, and names it in the failure", async () => {
    const { runDir, run } = setup();
    const summary = await run([
      stage("lint", () => Promise.reject(new Error("eslint crashed: out of memory")), { title: "lint", service: "campaign-service" }),
      stage("typecheck", () => Promise.resolve({ status: "failed", summary: "3 type errors" }), { title: "typecheck", service: "payment-service" }),
      stage("after", () => Promise.resolve(passed("still ran"))),
    ]);
    expect(summary.stages.map((s) => s.status)).toEqual(["failed", "failed", "passed"]);
    expect(summary.stages[0]?.summary).toBe("eslint crashed: out of memory");
    expect(summary.status).toBe("failed");
    expect(summary.failure).toBe("lint campaign-service: eslint crashed: out of memory; typecheck payment-service: 3 type errors");
    expect(readSummary(runDir).failure).toBe(summary.failure);
  });

  it("rewrites summary.json after every stage, so a later stage (or a crash) sees the earlier ones on disk", async () => {
    const { runDir, run } = setup();
    let seen: RunSummary | undefined;
    await run([
      stage("one", () => Promise.resolve(passed("first done"))),
      stage("two", (ctx) => {
        seen = readSummary(ctx.runDir);
        return Promise.resolve(passed("second done"));
      }),
    ]);
    expect(seen?.status).toBe("running");
    expect(seen?.stages.map((s) => [s.id, s.status, s.summary])).toEqual([["one", "passed", "first done"]]);
    expect(readSummary(runDir).stages).toHaveLength(2);
  });

  it("gives each stage its own log file under logs/ in the run folder", async () => {
    const { runDir, run } = setup();
    const summary = await run([
      stage("unit-tests", async (ctx) => {
        await writeFile(ctx.logFile, "41 tests\n");
        return passed("41 tests");
      }),
    ]);
    expect(summary.stages[0]?.log).toBe("logs/unit-tests.log");
    expect(readFileSync(join(runDir, "logs/unit-tests.log"), "utf8")).toBe("41 tests\n");
  });

  it("on abort stops after the running stage: the run is interrupted and the remaining stages do not run", async () => {
    const { runDir, run } = setup();
    const controller = new AbortController();
    const ran: string[] = [];
    const summary = await run(
      [
        stage("platform", () => {
          ran.push("platform");
          controller.abort();
          return Promise.resolve(passed("stopped"));
        }),
        stage("load", () => {
          ran.push("load");
          return Promise.resolve(passed("load test"));
        }),
        stage("release", () => {
          ran.push("release");
          return Promise.resolve(passed("released"));
        }),
      ],
      controller.signal,
    );
    expect(ran).toEqual(["platform"]);
    expect(summary.status).toBe("interrupted");
    expect(summary.stages.map((s) => s.id)).toEqual(["platform"]);
    expect(readSummary(runDir).status).toBe("interrupted");
  });

  it("Ctrl-C (abort, then stop every process) ends the running stage's whole process group and interrupts the run", async () => {
    const { runDir, run } = setup();
    const controller = new AbortController();
    const pidFile = join(runDir, "grandchild.pid");
    const ran: string[] = [];
    const running = run(
      [
        stage("tests", async (ctx) => {
          const result = await runProcess("sh", ["-c", `sleep 60 & echo $! > ${pidFile}; wait`], { cwd: ctx.root, logFile: ctx.logFile });
          return { status: result.exitCode === 0 ? "passed" : "failed", summary: `stopped by ${String(result.signal)}` };
        }),
        stage("release", () => {
          ran.push("release");
          return Promise.resolve(passed("released"));
        }),
      ],
      controller.signal,
    );
    while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") await sleep(20);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    // What `horizon pipeline` does on SIGINT.
    controller.abort();
    stopAllProcesses("SIGTERM");
    const summary = await running;
    expect(summary.status).toBe("interrupted");
    expect(summary.stages.map((s) => [s.id, s.summary])).toEqual([["tests", "stopped by SIGTERM"]]);
    expect(ran).toEqual([]);
    expect(isRunning(grandchild)).toBe(false);
  });
});

/** Running, not a zombie awaiting its reaper. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
