import { XMLBuilder } from "fast-xml-parser";
import { formatNumber, type CheckVerdict, type GateReport } from "./gates.js";

const STATUS_WORD = { pass: "PASS", fail: "FAIL", warn: "WARN" } as const;
const STATUS_ICON = { pass: "✅", fail: "❌", warn: "⚠️" } as const;

function valueText(value: number | null, unit: CheckVerdict["unit"], against?: number): string {
  if (value === null) return "-";
  const text = formatNumber(value, against);
  return unit === "%" ? `${text}%` : unit === "count" ? text : `${text} ${unit}`;
}

function thresholdText(check: CheckVerdict, bound: boolean): string {
  return `${bound ? (check.bound === "max" ? "<= " : ">= ") : ""}${valueText(check.threshold, check.unit)}`;
}

interface Row {
  status: CheckVerdict["status"];
  name: string;
  check: CheckVerdict;
}

function rows(report: GateReport): Row[] {
  return report.gates.flatMap((gate) => gate.checks.map((check) => ({ status: check.status, name: `${gate.gate}.${check.check}`, check })));
}

function summary(report: GateReport): string {
  const all = rows(report);
  const count = (status: CheckVerdict["status"]) => all.filter((row) => row.status === status).length;
  return `${String(count("pass"))} passed, ${String(count("fail"))} failed, ${String(count("warn"))} warnings`;
}

/** The table people read in a terminal. */
export function formatGateTable(report: GateReport): string {
  const header = ["STATUS", "CHECK", "ACTUAL", "THRESHOLD"];
  const body = rows(report).map((row) => [STATUS_WORD[row.status], row.name, valueText(row.check.actual, row.check.unit, row.check.threshold), thresholdText(row.check, true)]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  const details = rows(report)
    .filter((row) => row.status !== "pass")
    .map((row) => `${STATUS_WORD[row.status]} ${row.name}: ${row.check.message}`);
  const verdict = `quality gates: ${STATUS_WORD[report.status]} (${summary(report)})`;
  if (body.length === 0) return "quality gates: no gate configured\n";
  return [line(header), ...body.map(line), "", ...details, ...(details.length > 0 ? [""] : []), verdict, ""].join("\n");
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Markdown for a pull request or `$GITHUB_STEP_SUMMARY`. */
export function formatGateMarkdown(report: GateReport): string {
  const lines = [
    `### ${STATUS_ICON[report.status]} Quality gates: ${report.status === "pass" ? "passed" : "failed"}`,
    "",
    summary(report),
    "",
    "| Status | Check | Actual | Threshold | Verdict |",
    "| --- | --- | --- | --- | --- |",
    ...rows(report).map(
      (row) =>
        `| ${STATUS_ICON[row.status]} ${STATUS_WORD[row.status]} | \`${row.name}\` | ${valueText(row.check.actual, row.check.unit, row.check.threshold)} | ${cell(thresholdText(row.check, true))} | ${cell(row.check.message)} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

/** JUnit XML, one testcase per gate, so CI test reporters show gates beside tests. */
export function formatGateJunit(report: GateReport): string {
  const testcases = report.gates.map((gate) => {
    const failing = gate.checks.filter((check) => check.status === "fail");
    const warning = gate.checks.filter((check) => check.status === "warn");
    const text = gate.checks.map((check) => `${STATUS_WORD[check.status]} ${check.check}: ${check.message}`).join("\n");
    return {
      "@_classname": "quality_gates",
      "@_name": gate.gate,
      ...(failing.length > 0
        ? { failure: { "@_message": failing.map((check) => check.message).join("; "), "#text": text } }
        : warning.length > 0
          ? { skipped: { "@_message": warning.map((check) => check.message).join("; ") } }
          : { "system-out": text }),
    };
  });
  const failures = report.gates.filter((gate) => gate.status === "fail").length;
  const skipped = report.gates.filter((gate) => gate.status === "warn").length;
  const suite = { "@_name": "quality gates", "@_tests": report.gates.length, "@_failures": failures, "@_errors": 0, "@_skipped": skipped, testcase: testcases };
  const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true });
  const xml = builder.build({ testsuites: { "@_name": "horizon gate", "@_tests": report.gates.length, "@_failures": failures, testsuite: suite } });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}
