import { describe, expect, it } from "vitest";
import { evaluateGates, formatNumber, type Evidence } from "./gates.js";
import type { GatesConfig } from "./gates-config.js";

const load = (rate: number, perSecond: number): NonNullable<Evidence["load"]> => ({
  url: "http://127.0.0.1/",
  connections: 100,
  durationSeconds: 30,
  targetRps: null,
  requests: { total: 30_000, perSecond },
  latencyMs: { p50: 1, p90: 2, p95: 3, p99: 4, max: 5 },
  errors: { total: 0, rate, non2xx: 0, timeouts: 0 },
});

describe("evaluateGates", () => {
  const config: GatesConfig = {
    performance_tests: { error_rate: 0.1, required: false },
    load_tests: { requests_per_second: 1000, required: false },
  };

  it("passes an error rate of exactly 0.1% and fails one request more", () => {
    const at = evaluateGates(config, { load: load(30 / 30_000, 1000) });
    const over = evaluateGates(config, { load: load(31 / 30_000, 1000) });
    expect(at.status).toBe("pass");
    expect(over.gates[0]?.checks[0]?.message).toBe("error rate 0.103% is above the maximum of 0.1%");
  });

  it("fails throughput below the minimum", () => {
    expect(evaluateGates(config, { load: load(0, 999.5) }).gates[1]?.checks[0]?.message).toBe("throughput 999.5 req/s is below 1000 req/s");
  });

  it("fails the pass-rate gate when every test was skipped", () => {
    const report = evaluateGates({ integration_tests: { pass_rate: 100, required: false } }, { tests: { total: 3, passed: 0, failed: 0, errors: 0, skipped: 3 } });
    expect(report.status).toBe("fail");
    expect(report.gates[0]?.checks[0]?.message).toBe("pass rate (0 of 0 passed): no test ran (3 skipped)");
  });

  it("passes with no gates configured", () => {
    expect(evaluateGates({}, {})).toEqual({ status: "pass", gates: [] });
  });
});

describe("formatNumber", () => {
  it("never prints a value below a threshold as the threshold", () => {
    expect(formatNumber(79.996, 80)).toBe("79.996");
    expect(formatNumber(79.99, 80)).toBe("79.99");
    expect(formatNumber(80, 80)).toBe("80");
    expect(formatNumber(98.123456)).toBe("98.12");
  });
});
