import { appendFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseGatesConfig } from "../../core/gates-config.js";
import { evaluateGates, type Evidence, type GateReport } from "../../core/gates.js";
import { formatGateJunit, formatGateMarkdown, formatGateTable } from "../../core/gates-format.js";
import { CheckFailedError, InputError } from "../../errors.js";
import { readAudit } from "../../evidence/audit.js";
import { readTests } from "../../evidence/junit.js";
import { readCoverage } from "../../evidence/lcov.js";
import { readLoadReport } from "../../evidence/load.js";
import { readUserFile, writeFileAtomic } from "../../io/fs.js";

export interface GateOptions {
  config?: string;
  coverage?: string[];
  audit?: string;
  junit?: string[];
  load?: string;
  json?: boolean;
  markdown?: boolean;
  junitOut?: string;
  jsonOut?: string;
}

interface GateContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  write: (text: string) => void;
}

/** Reads only the evidence the user named; absent evidence stays absent. */
async function readEvidence(options: GateOptions, cwd: string): Promise<Evidence> {
  const at = (path: string) => resolve(cwd, path);
  const [coverage, audit, tests, load] = await Promise.all([
    options.coverage?.length ? readCoverage(options.coverage.map(at)) : undefined,
    options.audit ? readAudit(at(options.audit)) : undefined,
    options.junit?.length ? readTests(options.junit.map(at)) : undefined,
    options.load ? readLoadReport(at(options.load)) : undefined,
  ]);
  return { ...(coverage && { coverage }), ...(audit && { audit }), ...(tests && { tests }), ...(load && { load }) };
}

/** `horizon gate`: reads the gate file and the evidence, prints the verdicts, fails (exit 1) when a gate fails. */
export async function runGate(options: GateOptions, context: GateContext): Promise<GateReport> {
  const configPath = resolve(context.cwd, options.config ?? "quality-gates.yaml");
  const config = parseGatesConfig(await readUserFile(configPath, "gate file"), options.config ?? "quality-gates.yaml");
  const report = evaluateGates(config, await readEvidence(options, context.cwd));

  if (options.json) context.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (options.markdown) context.write(formatGateMarkdown(report));
  else context.write(formatGateTable(report));

  const summaryFile = context.env.GITHUB_STEP_SUMMARY;
  if (options.markdown && summaryFile) {
    try {
      await appendFile(summaryFile, `${formatGateMarkdown(report)}\n`);
    } catch (error) {
      throw new InputError(`cannot append to GITHUB_STEP_SUMMARY ${summaryFile}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (options.junitOut) await writeFileAtomic(resolve(context.cwd, options.junitOut), formatGateJunit(report), "JUnit output");
  if (options.jsonOut) await writeFileAtomic(resolve(context.cwd, options.jsonOut), `${JSON.stringify(report, null, 2)}\n`, "JSON output");

  if (report.status === "fail") {
    const failed = report.gates.filter((gate) => gate.status === "fail").map((gate) => gate.gate);
    throw new CheckFailedError(`quality gates failed: ${failed.join(", ")}`);
  }
  return report;
}

