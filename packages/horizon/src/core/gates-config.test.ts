import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGatesConfig } from "./gates-config.js";

describe("parseGatesConfig", () => {
  it("reads the repository's quality-gates.yaml, the spec §7.1 file, with units converted", async () => {
    const text = await readFile(resolve(import.meta.dirname, "../../../../quality-gates.yaml"), "utf8");
    expect(parseGatesConfig(text, "quality-gates.yaml")).toEqual({
      code_coverage: { threshold: 80, required: true },
      security_vulnerabilities: { critical: 0, high: 0, medium: 5, required: false },
      performance_tests: { p95_latency: 100, error_rate: 0.1, required: false },
      integration_tests: { pass_rate: 100, required: false },
      load_tests: { requests_per_second: 1000, concurrent_users: 100, required: false },
    });
  });

  it("accepts seconds and required on any gate", () => {
    const config = parseGatesConfig("quality_gates:\n  performance_tests:\n    p95_latency: 0.25s\n    required: true\n", "g.yaml");
    expect(config.performance_tests).toEqual({ p95_latency: 250, required: true });
  });

  it.each([
    ["quality_gates:\n  code_coverage:\n    threshold: 80\n", "quality_gates.code_coverage.threshold: missing unit in 80"],
    ["quality_gates:\n  code_coverage:\n    threshold: 80pct\n", 'quality_gates.code_coverage.threshold: unknown unit "80pct"'],
    ["quality_gates:\n  code_coverage:\n    threshold: 120%\n", "quality_gates.code_coverage.threshold: a percentage cannot exceed 100%"],
    ["quality_gates:\n  security_vulnerabilities:\n    high: 1.5\n", "quality_gates.security_vulnerabilities.high: must be a whole number"],
    ["quality_gates:\n  code_coverage:\n    threshold: 80%\n    required: yes\n", "quality_gates.code_coverage.required"],
    ["quality_gates:\n  mutation_tests: {}\n", "quality_gates.mutation_tests: unknown key"],
    ["gates: {}\n", "quality_gates: missing; gates: unknown key"],
    ["quality_gates:\n  code_coverage: {threshold: 80%}\n  code_coverage: {threshold: 90%}\n", "g.yaml: not valid YAML: Map keys must be unique"],
  ])("refuses %j", (yaml, message) => {
    expect(() => parseGatesConfig(yaml, "g.yaml")).toThrow(message);
  });
});
