import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProgressPrinter } from "./progress.js";
import type { StageRecord } from "./types.js";

function capture(): { stream: Writable; text: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

const record = (overrides: Partial<StageRecord>): StageRecord => ({
  id: "lint-a",
  title: "lint",
  service: "campaign-service",
  startedAt: "2026-11-26T06:00:00Z",
  durationMs: 2345,
  status: "passed",
  summary: "no problems",
  ...overrides,
});

afterEach(() => vi.useRealTimers());

describe("ProgressPrinter", () => {
  it("in a log (not a terminal) prints a start line and a result line with status, duration and summary", () => {
    const { stream, text } = capture();
    const printer = new ProgressPrinter(stream, false);
    printer.start(3, 12, "lint", "campaign-service");
    printer.finish(record({}));
    printer.start(4, 12, "image build", "campaign-service");
    printer.finish(record({ status: "skipped", durationMs: 0, summary: "skipped: no container engine" }));
    printer.start(5, 12, "quality gates", "payment-service");
    printer.finish(record({ status: "failed", durationMs: 61_000, summary: "code_coverage: line coverage 70% is below 80%" }));
    expect(text().split("\n")).toEqual([
      "▶ [3/12] lint campaign-service",
      "✔ [3/12] lint campaign-service  passed in 2.3 s — no problems",
      "▶ [4/12] image build campaign-service",
      "– [4/12] image build campaign-service  skipped in 0 ms — skipped: no container engine",
      "▶ [5/12] quality gates payment-service",
      "✖ [5/12] quality gates payment-service  failed in 1 min 1 s — code_coverage: line coverage 70% is below 80%",
      "",
    ]);
    expect(text()).not.toContain("\x1b");
  });

  it("in a log says every 15 s that a long stage is still running, with its latest detail", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
    const { stream, text } = capture();
    const printer = new ProgressPrinter(stream, false);
    printer.start(1, 1, "load test");
    printer.update("  62000 requests,\n  p95 12 ms ");
    vi.advanceTimersByTime(14_000);
    expect(text()).toBe("▶ [1/1] load test\n");
    vi.advanceTimersByTime(2_000);
    expect(text()).toBe("▶ [1/1] load test\n  … [1/1] load test still running (15.0 s): 62000 requests, p95 12 ms\n");
    printer.finish(record({ title: "load test", service: undefined, durationMs: 20_000 }));
    vi.advanceTimersByTime(60_000);
    expect(text().split("\n").filter(Boolean)).toHaveLength(3);
  });

  it("on a terminal redraws one line in place and ends it with the result", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
    const { stream, text } = capture();
    const printer = new ProgressPrinter(stream, true);
    printer.start(2, 5, "tests", "trust-service");
    printer.update("41 tests");
    vi.advanceTimersByTime(1_000);
    expect(text()).toContain("\r\x1b[2K… [2/5] tests trust-service  1.0 s  41 tests");
    printer.finish(record({ title: "tests", service: "trust-service", durationMs: 1_000, summary: "41 tests, coverage 92.1%" }));
    expect(text().endsWith("\r\x1b[2K✔ [2/5] tests trust-service  passed in 1.0 s — 41 tests, coverage 92.1%\n")).toBe(true);
    const length = text().length;
    vi.advanceTimersByTime(5_000);
    expect(text()).toHaveLength(length);
  });
});
