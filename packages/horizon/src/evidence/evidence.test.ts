import { describe, expect, it } from "vitest";
import { parseAudit } from "./audit.js";
import { parseGateReport } from "./gate-report.js";
import { parseJunit } from "./junit.js";
import { mergeCoverage, parseLcov } from "./lcov.js";

const record = (file: string, hits: number[]) =>
  [`SF:${file}`, ...hits.map((h, i) => `DA:${String(i + 1)},${String(h)}`), `LF:${String(hits.length)}`, `LH:${String(hits.filter((h) => h > 0).length)}`, "end_of_record"].join("\n");

describe("lcov", () => {
  it("merges reports: a file in two reports counts once, a line covered by either is covered", () => {
    const a = parseLcov(record("src/a.ts", [1, 0, 0, 0]), "unit/coverage/lcov.info");
    const b = parseLcov(record("src/a.ts", [0, 2, 0, 0]), "unit/coverage/lcov.info");
    expect(mergeCoverage([{ path: "unit/coverage/lcov.info", records: a }, { path: "unit/coverage/lcov.info", records: b }])).toMatchObject({ linesFound: 4, linesHit: 2, sourceFiles: 1 });
  });

  it("keeps same-named files of different packages apart (paths relative to each package)", () => {
    const contracts = parseLcov(record("src/index.ts", [1, 1]), "packages/contracts/coverage/lcov.info");
    const kit = parseLcov(record("src/index.ts", [0, 0]), "packages/service-kit/coverage/lcov.info");
    const merged = mergeCoverage([
      { path: "packages/contracts/coverage/lcov.info", records: contracts },
      { path: "packages/service-kit/coverage/lcov.info", records: kit },
    ]);
    expect(merged).toMatchObject({ linesFound: 4, linesHit: 2, sourceFiles: 2 });
  });

  it("uses LF/LH when a report has no DA lines", () => {
    const records = parseLcov("SF:/abs/x.ts\nLF:10\nLH:7\nend_of_record\n", "x.lcov");
    expect(mergeCoverage([{ path: "x.lcov", records }])).toMatchObject({ linesFound: 10, linesHit: 7 });
  });

  it("refuses a truncated record and a bad number with the file and line", () => {
    expect(() => parseLcov("SF:a.ts\nDA:1,1\n", "t.lcov")).toThrow("t.lcov: record for a.ts has no end_of_record");
    expect(() => parseLcov("SF:a.ts\nDA:1,many\nend_of_record\n", "t.lcov")).toThrow('t.lcov:2: not an lcov number: "many"');
  });
});

describe("JUnit", () => {
  it("counts testcases in nested suites, with failures, errors and skips", () => {
    const xml = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="outer">
    <testsuite name="inner">
      <testcase name="a"/>
      <testcase name="b"><failure message="boom"/></testcase>
    </testsuite>
    <testcase name="c"><error message="crash"/></testcase>
    <testcase name="d"><skipped/></testcase>
  </testsuite>
  <testsuite name="second"><testcase name="e"></testcase></testsuite>
</testsuites>`;
    expect(parseJunit(xml, "r.xml")).toEqual({ total: 5, passed: 2, failed: 1, errors: 1, skipped: 1 });
  });

  it("reads a single <testsuite> root (surefire style)", () => {
    expect(parseJunit('<testsuite name="s"><testcase name="only"/></testsuite>', "s.xml")).toMatchObject({ total: 1, passed: 1 });
  });

  it("refuses XML that is not JUnit", () => {
    expect(() => parseJunit("<html><body/></html>", "page.xml")).toThrow("page.xml: not a JUnit report");
  });
});

describe("npm audit", () => {
  it("reads counts from metadata.vulnerabilities and refuses other JSON", () => {
    const report = { auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { info: 0, low: 1, moderate: 2, high: 3, critical: 4, total: 10 } } };
    expect(parseAudit(JSON.stringify(report), "a.json")).toMatchObject({ low: 1, moderate: 2, high: 3, critical: 4 });
    expect(() => parseAudit('{"name":"not-audit"}', "p.json")).toThrow("p.json: not an npm audit --json report: metadata");
    expect(() => parseAudit("npm ERR! oops", "e.json")).toThrow("e.json: not JSON");
  });
});

describe("gate report", () => {
  const check = { check: "p95_latency", status: "pass", actual: 120, threshold: 500, unit: "ms", bound: "max", message: "p95 latency 120 ms <= 500 ms" };
  const report = { status: "pass", gates: [{ gate: "performance_tests", required: true, status: "pass", checks: [check] }] };

  it("reads back what horizon gate --json wrote", () => {
    expect(parseGateReport(JSON.stringify(report))).toEqual({ report });
  });

  it("says where a report differs from horizon gate's: an unknown gate, a unit it never writes", () => {
    const odd = { ...report, gates: [{ ...report.gates[0], gate: "perf", checks: [{ ...check, unit: "seconds" }] }] };
    const parsed = parseGateReport(JSON.stringify(odd));
    expect(parsed).toEqual({ invalid: expect.stringMatching(/gates\[0\]\.gate.*gates\[0\]\.checks\[0\]\.unit/) as unknown });
    expect(parseGateReport("not json")).toEqual({ invalid: expect.stringMatching(/^not JSON/) as unknown });
  });
});
