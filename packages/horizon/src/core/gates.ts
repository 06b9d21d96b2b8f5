import type { AuditEvidence } from "../evidence/audit.js";
import type { CoverageEvidence } from "../evidence/lcov.js";
import type { TestEvidence } from "../evidence/junit.js";
import type { LoadTestReport } from "../evidence/load.js";
import type { GatesConfig } from "./gates-config.js";

type CheckStatus = "pass" | "fail" | "warn";

/** One threshold of one gate, e.g. `security_vulnerabilities.high`. */
export interface CheckVerdict {
  check: string;
  status: CheckStatus;
  /** The measured value in `unit`; null when the evidence is absent. */
  actual: number | null;
  threshold: number;
  unit: "%" | "ms" | "count" | "req/s";
  /** "min": the actual value must reach the threshold; "max": it must not exceed it. */
  bound: "min" | "max";
  message: string;
}

interface GateVerdict {
  gate: keyof GatesConfig;
  required: boolean;
  status: CheckStatus;
  checks: CheckVerdict[];
}

export interface GateReport {
  status: "pass" | "fail";
  gates: GateVerdict[];
}

/** Evidence gathered from files; any part may be absent. */
export interface Evidence {
  coverage?: Pick<CoverageEvidence, "linesFound" | "linesHit">;
  audit?: Omit<AuditEvidence, "report">;
  tests?: Omit<TestEvidence, "reports">;
  load?: LoadTestReport;
}

// Thresholds sit on exact decimal boundaries (80%, 0.1%); floating point must not move them.
const EPSILON = 1e-9;
const atLeast = (actual: number, minimum: number) => actual >= minimum - EPSILON;
const atMost = (actual: number, maximum: number) => actual <= maximum + EPSILON;

/** Enough decimals that a value below a threshold never prints as the threshold itself. */
export function formatNumber(value: number, against?: number): string {
  for (let digits = 2; digits < 8; digits += 1) {
    const text = String(Number(value.toFixed(digits)));
    if (against === undefined || Math.abs(value - against) <= EPSILON || text !== String(Number(against.toFixed(digits)))) return text;
  }
  return String(value);
}

const unitText = (value: number, unit: CheckVerdict["unit"], against?: number) =>
  unit === "%" ? `${formatNumber(value, against)}%` : unit === "count" ? formatNumber(value, against) : `${formatNumber(value, against)} ${unit}`;

interface Measure {
  check: string;
  what: string;
  unit: CheckVerdict["unit"];
  threshold: number;
  bound: CheckVerdict["bound"];
  actual: number | undefined;
  /** Replaces the default wording of a judged value. */
  describe?: (shown: string, limit: string, ok: boolean) => string;
  /** A reason the evidence cannot be judged (e.g. no test ran): a failure. */
  unusable?: string;
}

function judge(measure: Measure, required: boolean, missing: string): CheckVerdict {
  const { check, what, unit, threshold, bound, actual } = measure;
  const base = { check, threshold, unit, bound };
  const limit = unitText(threshold, unit);
  if (measure.unusable) return { ...base, actual: null, status: "fail", message: `${what}: ${measure.unusable}` };
  if (actual === undefined) {
    const status = required ? "fail" : "warn";
    return { ...base, actual: null, status, message: `${what}: no evidence (${missing})${required ? ", and this gate is required" : ""}` };
  }
  const shown = unitText(actual, unit, threshold);
  const ok = bound === "min" ? atLeast(actual, threshold) : atMost(actual, threshold);
  const status = ok ? "pass" : "fail";
  if (measure.describe) return { ...base, actual, status, message: measure.describe(shown, limit, ok) };
  const words = ok
    ? bound === "min" ? `meets the minimum of ${limit}` : `is within the maximum of ${limit}`
    : bound === "min" ? `is below ${limit}` : `is above the maximum of ${limit}`;
  return { ...base, actual, status, message: `${what} ${shown} ${words}` };
}

function gate(name: GateVerdict["gate"], required: boolean, missing: string, measures: Measure[]): GateVerdict {
  const checks = measures.map((measure) => judge(measure, required, missing));
  const status = checks.some((c) => c.status === "fail") ? "fail" : checks.some((c) => c.status === "warn") ? "warn" : "pass";
  return { gate: name, required, status, checks };
}

function maybe<T>(value: T | undefined, make: (value: T) => Measure): Measure[] {
  return value === undefined ? [] : [make(value)];
}

/**
 * Judges evidence against the spec §7.1 gates (ARCHITECTURE §4): a measure
 * that misses its threshold fails; a count fails when greater than its
 * maximum; missing evidence fails a required gate and warns otherwise.
 */
export function evaluateGates(config: GatesConfig, evidence: Evidence): GateReport {
  const gates: GateVerdict[] = [];
  const { coverage, audit, tests, load } = evidence;
  if (config.code_coverage) {
    const actual = coverage ? (coverage.linesFound === 0 ? 0 : (100 * coverage.linesHit) / coverage.linesFound) : undefined;
    gates.push(
      gate("code_coverage", config.code_coverage.required, "pass --coverage lcov.info", [
        { check: "line_coverage", what: "line coverage", unit: "%", bound: "min", threshold: config.code_coverage.threshold, actual },
      ]),
    );
  }
  const security = config.security_vulnerabilities;
  if (security) {
    const severities = [
      ["critical", "critical", audit?.critical],
      ["high", "high", audit?.high],
      ["medium", "medium (npm moderate)", audit?.moderate],
      ["low", "low", audit?.low],
    ] as const;
    const measures = severities.flatMap(([key, words, actual]) =>
      maybe(security[key], (threshold): Measure => ({
        check: key,
        what: `${words} vulnerabilities`,
        unit: "count",
        bound: "max",
        threshold,
        actual,
        describe: (shown, limit, ok) =>
          `${shown} ${words} ${actual === 1 ? "vulnerability" : "vulnerabilities"}, ${ok ? "within" : "more than"} the maximum of ${limit}`,
      })),
    );
    gates.push(gate("security_vulnerabilities", security.required, "pass --audit npm-audit.json", measures));
  }
  const performance = config.performance_tests;
  if (performance) {
    const measures = [
      ...maybe(performance.p95_latency, (threshold): Measure => ({ check: "p95_latency", what: "p95 latency", unit: "ms", bound: "max", threshold, actual: load?.latencyMs.p95 })),
      ...maybe(performance.error_rate, (threshold): Measure => ({ check: "error_rate", what: "error rate", unit: "%", bound: "max", threshold, actual: load ? load.errors.rate * 100 : undefined })),
    ];
    gates.push(gate("performance_tests", performance.required, "pass --load loadtest.json", measures));
  }
  if (config.integration_tests) {
    const executed = tests ? tests.total - tests.skipped : 0;
    const measure: Measure = {
      check: "pass_rate",
      what: tests ? `pass rate (${String(tests.passed)} of ${String(executed)} passed)` : "pass rate",
      unit: "%",
      bound: "min",
      threshold: config.integration_tests.pass_rate,
      actual: tests && executed > 0 ? (100 * tests.passed) / executed : undefined,
      ...(tests && executed === 0 ? { unusable: `no test ran (${String(tests.skipped)} skipped)` } : {}),
    };
    gates.push(gate("integration_tests", config.integration_tests.required, "pass --junit junit.xml", [measure]));
  }
  const loadGate = config.load_tests;
  if (loadGate) {
    const measures = [
      ...maybe(loadGate.requests_per_second, (threshold): Measure => ({ check: "requests_per_second", what: "throughput", unit: "req/s", bound: "min", threshold, actual: load?.requests.perSecond })),
      ...maybe(loadGate.concurrent_users, (threshold): Measure => ({
        check: "concurrent_users",
        what: "load test connections",
        unit: "count",
        bound: "min",
        threshold,
        actual: load?.connections,
        describe: (shown, limit, ok) => `load test ran with ${shown} connections, ${ok ? "at least" : "fewer than"} the ${limit} concurrent users required`,
      })),
    ];
    gates.push(gate("load_tests", loadGate.required, "pass --load loadtest.json", measures));
  }
  return { status: gates.some((g) => g.status === "fail") ? "fail" : "pass", gates };
}
