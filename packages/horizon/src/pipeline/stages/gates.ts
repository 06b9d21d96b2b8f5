import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runGate } from "../../commands/gate/index.js";
import type { GateReport } from "../../core/gates.js";
import { parseGateReport } from "../../evidence/gate-report.js";
import { ExitError } from "../../errors.js";
import { type PipelineState, whenAffected } from "../state.js";
import type { Stage } from "../types.js";

/**
 * `horizon gate` for one service on this run's evidence: its own coverage,
 * and the platform-wide audit, integration tests and load test.
 */
export function gateStage(state: PipelineState, service: string): Stage {
  return {
    id: `gate-${service}`,
    title: "quality gates",
    service,
    when: whenAffected(state, service),
    async run(ctx) {
      const { evidence } = state;
      const coverage = evidence.coverage.get(service);
      let output = "";
      let report: GateReport | undefined;
      let error: unknown;
      try {
        report = await runGate(
          {
            config: join(ctx.root, "quality-gates.yaml"),
            coverage: coverage ? [join(ctx.runDir, coverage)] : [],
            audit: evidence.audit && join(ctx.runDir, evidence.audit),
            junit: evidence.integrationJunit ? [join(ctx.runDir, evidence.integrationJunit)] : [],
            load: evidence.load && join(ctx.runDir, evidence.load),
            json: true,
          },
          { cwd: ctx.root, env: {}, write: (text) => (output += text) },
        );
      } catch (caught) {
        error = caught;
      }
      await writeFile(ctx.logFile, output);
      if (output) {
        await mkdir(join(ctx.runDir, "gates"), { recursive: true });
        await writeFile(join(ctx.runDir, "gates", `${service}.json`), output);
        if (!report) {
          const parsed = parseGateReport(output);
          if ("invalid" in parsed) return { status: "failed", summary: `horizon gate printed no report (${parsed.invalid}): ${error instanceof Error ? error.message : String(error)}` };
          report = parsed.report;
        }
      }
      if (!report) {
        const reason = error instanceof ExitError || error instanceof Error ? error.message : String(error);
        return { status: "failed", summary: reason };
      }
      const failed = report.gates.filter((g) => g.status === "fail");
      const warned = report.gates.filter((g) => g.status === "warn");
      if (failed.length > 0) {
        const why = failed.flatMap((g) => g.checks.filter((c) => c.status === "fail").map((c) => `${g.gate}: ${c.message}`));
        return { status: "failed", summary: why.join("; "), artifacts: [`gates/${service}.json`] };
      }
      const summary = `${report.gates.length - warned.length} of ${report.gates.length} gates passed${warned.length ? `, warnings: ${warned.map((g) => g.gate).join(", ")}` : ""}`;
      return { status: warned.length ? "warning" : "passed", summary, artifacts: [`gates/${service}.json`] };
    },
  };
}
