import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { horizonCli } from "../../../test/fixtures/cli.js";

const repoRoot = resolve(import.meta.dirname, "../../../../..");
const fixtures = resolve(import.meta.dirname, "../../../test/fixtures/evidence");
const fixture = (name: string) => join(fixtures, name);
const specGates = join(repoRoot, "quality-gates.yaml");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "horizon-gate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const horizon = horizonCli;

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** An lcov file in the shape Vitest writes, with `hit` of `found` lines covered. */
function lcov(found: number, hit: number): string {
  const da = Array.from({ length: found }, (_, i) => `DA:${String(i + 1)},${i < hit ? "3" : "0"}`);
  return ["TN:", "SF:src/big.ts", "FNF:0", "FNH:0", ...da, `LF:${String(found)}`, `LH:${String(hit)}`, "BRF:0", "BRH:0", "end_of_record", ""].join("\n");
}

/** A JUnit report in the shape Vitest writes, with `failed` of `total` testcases failing. */
function junit(total: number, failed: number): string {
  const cases = Array.from({ length: total }, (_, i) =>
    i < failed
      ? `    <testcase classname="src/a.test.ts" name="case ${String(i)}" time="0.001">\n      <failure message="expected 1 to be 2" type="AssertionError">AssertionError: expected 1 to be 2</failure>\n    </testcase>`
      : `    <testcase classname="src/a.test.ts" name="case ${String(i)}" time="0.001">\n    </testcase>`,
  );
  return `<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites name="vitest tests" tests="${String(total)}" failures="${String(failed)}" errors="0" time="1">\n  <testsuite name="src/a.test.ts" tests="${String(total)}" failures="${String(failed)}" errors="0" skipped="0" time="1">\n${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`;
}

function loadReport(p95: number, connections: number): string {
  return JSON.stringify({
    url: "http://127.0.0.1:3000/",
    connections,
    durationSeconds: 30,
    targetRps: null,
    requests: { total: 45000, perSecond: 1500 },
    latencyMs: { p50: 20, p90: 60, p95, p99: 140, max: 300 },
    errors: { total: 0, rate: 0, non2xx: 0, timeouts: 0 },
  });
}

/** `horizon gate` with the repo's own gate file; the real lcov (98%) satisfies the required coverage gate. */
const withSpec = (...args: string[]) => horizon("gate", "--config", specGates, "--coverage", fixture("contracts.lcov"), ...args);

async function gates(yaml: string): Promise<string> {
  return file(`gates-${String(Math.random()).slice(2)}.yaml`, yaml);
}

describe("horizon gate at each boundary of the spec's gates", () => {
  it("passes 80.00% line coverage and fails 79.99% against the spec's 80%", async () => {
    const pass = await horizon("gate", "--config", specGates, "--coverage", await file("80.lcov", lcov(10_000, 8_000)), "--json");
    const fail = await horizon("gate", "--config", specGates, "--coverage", await file("7999.lcov", lcov(10_000, 7_999)), "--json");
    expect(pass.code).toBe(0);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain("line coverage 79.99% is below 80%");
    expect(fail.stderr).toContain("quality gates failed: code_coverage");
  });

  it("reads this repository's real lcov (98%) and judges it on both sides of its value", async () => {
    const config = (threshold: string) => gates(`quality_gates:\n  code_coverage:\n    threshold: ${threshold}\n`);
    const at = await horizon("gate", "--config", await config("98%"), "--coverage", fixture("contracts.lcov"));
    const above = await horizon("gate", "--config", await config("98.01%"), "--coverage", fixture("contracts.lcov"));
    expect([at.code, above.code]).toEqual([0, 1]);
    expect(above.stdout).toContain("line coverage 98% is below 98.01%");
  });

  it("allows five moderate findings and fails on six (spec medium = npm moderate)", async () => {
    const five = await withSpec("--audit", fixture("npm-audit-5-moderate.json"));
    const six = await withSpec("--audit", fixture("npm-audit-6-moderate.json"));
    expect(five.code).toBe(0);
    expect(six.code).toBe(1);
    expect(six.stdout).toContain("6 medium (npm moderate) vulnerabilities, more than the maximum of 5");
  });

  it("fails on one high finding", async () => {
    const high = await withSpec("--audit", fixture("npm-audit-1-high.json"));
    expect(high.code).toBe(1);
    expect(high.stdout).toContain("1 high vulnerability, more than the maximum of 0");
  });

  it("passes p95 100 ms and fails 101 ms", async () => {
    const ok = await withSpec("--load", await file("p95-100.json", loadReport(100, 100)));
    const slow = await withSpec("--load", await file("p95-101.json", loadReport(101, 100)));
    expect(ok.code).toBe(0);
    expect(slow.code).toBe(1);
    expect(slow.stdout).toContain("p95 latency 101 ms is above the maximum of 100 ms");
  });

  it("passes a 100% pass rate and fails 99.9% (999 of 1000)", async () => {
    const all = await withSpec("--junit", await file("all.xml", junit(1000, 0)));
    const one = await withSpec("--junit", await file("one.xml", junit(1000, 1)));
    expect(all.code).toBe(0);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain("pass rate (999 of 1000 passed) 99.9% is below 100%");
  });

  it("fails a load test run with 99 connections against 100 concurrent users", async () => {
    const hundred = await withSpec("--load", await file("c100.json", loadReport(50, 100)));
    const ninetyNine = await withSpec("--load", await file("c99.json", loadReport(50, 99)));
    expect(hundred.code).toBe(0);
    expect(ninetyNine.code).toBe(1);
    expect(ninetyNine.stdout).toContain("load test ran with 99 connections, fewer than the 100 concurrent users required");
  });

  it("fails the required coverage gate when no lcov is given, and only warns for the others", async () => {
    const { code, stdout } = await horizon("gate", "--config", specGates, "--json");
    const report = JSON.parse(stdout) as { status: string; gates: { gate: string; status: string }[] };
    expect(code).toBe(1);
    expect(report.status).toBe("fail");
    expect(Object.fromEntries(report.gates.map((g) => [g.gate, g.status]))).toEqual({
      code_coverage: "fail",
      security_vulnerabilities: "warn",
      performance_tests: "warn",
      integration_tests: "warn",
      load_tests: "warn",
    });
  });

  it("judges real evidence together: the repo's lcov and vitest JUnit pass, the lodash/minimist audit fails", async () => {
    const { code, stdout } = await horizon(
      "gate", "--config", specGates, "--json",
      "--coverage", fixture("contracts.lcov"), "--junit", fixture("contracts-vitest-junit.xml"), "--audit", fixture("npm-audit-lodash-minimist.json"),
    );
    const report = JSON.parse(stdout) as { gates: { gate: string; status: string; checks: { check: string; actual: number | null }[] }[] };
    const byGate = Object.fromEntries(report.gates.map((g) => [g.gate, g]));
    expect(code).toBe(1);
    expect(byGate.code_coverage?.status).toBe("pass");
    expect(byGate.integration_tests?.status).toBe("pass");
    expect(byGate.security_vulnerabilities?.checks.map((c) => [c.check, c.actual])).toEqual([["critical", 1], ["high", 1], ["medium", 0]]);
  });
});

describe("horizon gate outputs", () => {
  it("writes JUnit with one testcase per gate and appends Markdown to $GITHUB_STEP_SUMMARY", async () => {
    const summary = await file("summary.md", "# earlier step\n");
    const junitOut = join(dir, "gates-junit.xml");
    vi.stubEnv("GITHUB_STEP_SUMMARY", summary);
    try {
      const { code, stdout } = await horizon("gate", "--config", specGates, "--markdown", "--junit-out", junitOut, "--audit", fixture("npm-audit-1-high.json"));
      expect(code).toBe(1);
      expect(stdout).toContain("| ❌ FAIL | `security_vulnerabilities.high` | 1 | <= 0 |");
    } finally {
      vi.unstubAllEnvs();
    }
    expect(await readFile(summary, "utf8")).toMatch(/^# earlier step\n### ❌ Quality gates: failed/);
    const xml = await readFile(junitOut, "utf8");
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml).toContain('<failure message="1 high vulnerability, more than the maximum of 0"');
  });

  it("prints a table with actual and threshold for people", async () => {
    const { stdout } = await horizon("gate", "--config", specGates, "--coverage", fixture("contracts.lcov"));
    expect(stdout).toMatch(/PASS\s+code_coverage\.line_coverage\s+98%\s+>= 80%/);
    expect(stdout).toContain("WARN security_vulnerabilities.critical: critical vulnerabilities: no evidence (pass --audit npm-audit.json)");
  });
});

describe("horizon gate refuses bad input with exit 2, naming the file and the problem", () => {
  it("an unknown unit names the key path", async () => {
    const config = await gates("quality_gates:\n  performance_tests:\n    p95_latency: 100sec\n");
    const { code, stderr } = await horizon("gate", "--config", config);
    expect(code).toBe(2);
    expect(stderr).toContain(`${config}: quality_gates.performance_tests.p95_latency: unknown unit "100sec"`);
  });

  it("an unknown key names the key path", async () => {
    const { code, stderr } = await horizon("gate", "--config", await gates("quality_gates:\n  code_coverage:\n    treshold: 80%\n"));
    expect(code).toBe(2);
    expect(stderr).toContain("quality_gates.code_coverage.treshold: unknown key");
  });

  it("a missing gate file and an unreadable evidence file", async () => {
    const missing = await horizon("gate", "--config", join(dir, "nope.yaml"));
    const evidence = await horizon("gate", "--config", specGates, "--coverage", join(dir, "missing.lcov"));
    expect([missing.code, evidence.code]).toEqual([2, 2]);
    expect(missing.stderr).toContain(`cannot read gate file ${join(dir, "nope.yaml")}: no such file`);
    expect(evidence.stderr).toContain(`cannot read coverage report ${join(dir, "missing.lcov")}: no such file`);
  });

  it("an lcov file with no records", async () => {
    const empty = await file("empty.lcov", "TN:\n");
    const { code, stderr } = await horizon("gate", "--config", specGates, "--coverage", empty);
    expect(code).toBe(2);
    expect(stderr).toContain(`${empty}: no lcov records`);
  });

  it("npm's own error output instead of an audit report", async () => {
    const { code, stderr } = await horizon("gate", "--config", specGates, "--audit", fixture("npm-audit-endpoint-405.json"));
    expect(code).toBe(2);
    expect(stderr).toContain("npm audit itself failed, so this file holds no findings: 405 Method Not Allowed");
  });

  it("a load report of the wrong shape, a non-JSON one, and a directory given as a file", async () => {
    const shape = await file("shape.json", JSON.stringify({ url: "http://127.0.0.1/", connections: 0 }));
    const text = await file("text.json", "p95 was fine\n");
    const wrong = await horizon("gate", "--config", specGates, "--load", shape);
    const notJson = await horizon("gate", "--config", specGates, "--load", text);
    const folder = await horizon("gate", "--config", specGates, "--coverage", dir);
    expect([wrong.code, notJson.code, folder.code]).toEqual([2, 2, 2]);
    expect(wrong.stderr).toContain(`${shape}: not a horizon loadtest report: connections:`);
    expect(notJson.stderr).toContain(`${text}: not JSON`);
    expect(folder.stderr).toContain(`cannot read coverage report ${dir}: is a directory, not a file`);
  });

  it("malformed JUnit XML names the file and line", async () => {
    const broken = await file("broken.xml", '<?xml version="1.0"?>\n<testsuites>\n  <testsuite name="a">\n</testsuites>\n');
    const { code, stderr } = await horizon("gate", "--config", specGates, "--junit", broken);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`${broken}:\\d+: not well-formed XML`));
  });
});
