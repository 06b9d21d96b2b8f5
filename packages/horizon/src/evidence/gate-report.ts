import { z } from "zod";
import { GatesFileSchema } from "../core/gates-config.js";
import type { GateReport } from "../core/gates.js";
import { parseJsonAs } from "../core/json.js";

const status = z.enum(["pass", "fail", "warn"]);
const CheckSchema = z.object({
  check: z.string(),
  status,
  actual: z.number().nullable(),
  threshold: z.number(),
  unit: z.enum(["%", "ms", "count", "req/s"]),
  bound: z.enum(["min", "max"]),
  message: z.string(),
});

/** `horizon gate --json`'s report (what --json-out writes), as publish and the pipeline read it back. */
const GateReportSchema = z.object({
  status: z.enum(["pass", "fail"]),
  gates: z.array(z.object({ gate: GatesFileSchema.shape.quality_gates.keyof(), required: z.boolean(), status, checks: z.array(CheckSchema) })),
}) satisfies z.ZodType<GateReport>;

/** A gate report from its JSON text, or why it is none (not JSON, or not this shape). */
export function parseGateReport(text: string): { report: GateReport } | { invalid: string } {
  const parsed = parseJsonAs(GateReportSchema, text);
  return "data" in parsed ? { report: parsed.data } : parsed;
}
