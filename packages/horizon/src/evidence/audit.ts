import { z } from "zod";
import { parseJsonAs } from "../core/json.js";
import { InputError } from "../errors.js";
import { readUserFile } from "../io/fs.js";

/** Counts by npm's severities; the spec's `medium` is npm's `moderate`. */
export type SeverityCounts = Record<"info" | "low" | "moderate" | "high" | "critical" | "total", number>;

export interface AuditEvidence extends Omit<SeverityCounts, "total"> {
  report: string;
}

const count = z.number().int().nonnegative();
// npm audit --json (report v2, npm 7+; v1 has the same metadata block).
const AuditReportSchema = z.object({
  metadata: z.object({
    vulnerabilities: z.object({ info: count, low: count, moderate: count, high: count, critical: count, total: count.optional() }),
  }),
});
// What npm prints instead when the audit itself fails (no lockfile, registry refused, ...).
const AuditFailureSchema = z.object({
  message: z.string().nullish(),
  error: z.object({ code: z.string().nullish(), summary: z.string().nullish(), detail: z.string().nullish() }),
});

/** What `npm audit --json` printed: the counts, npm's own failure (why it could not audit; empty when it says not), or something else. */
type AuditOutput = { counts: SeverityCounts } | { failed: string } | { invalid: string };

/** The one reading of `npm audit --json` output, for `horizon scan deps` (which ran it) and `horizon gate --audit` (which reads its file). */
export function readAuditOutput(text: string): AuditOutput {
  const json = parseJsonAs(z.unknown(), text);
  if ("invalid" in json) return json;
  const data = json.data;
  const failure = AuditFailureSchema.safeParse(data);
  if (failure.success) {
    const { code, summary } = failure.data.error;
    return { failed: [code, summary || failure.data.message].filter(Boolean).join(": ") };
  }
  const report = AuditReportSchema.safeParse(data);
  if (!report.success) {
    const issue = report.error.issues[0];
    const where = issue ? issue.path.join(".") : "";
    return { invalid: `not an npm audit --json report: ${where || "(top level)"}: ${issue?.message ?? "invalid"}` };
  }
  const v = report.data.metadata.vulnerabilities;
  return { counts: { ...v, total: v.total ?? v.info + v.low + v.moderate + v.high + v.critical } };
}

/** Parses `npm audit --json` output; an npm error report or any other JSON is bad input. */
export function parseAudit(text: string, file: string): AuditEvidence {
  const output = readAuditOutput(text);
  if ("failed" in output) throw new InputError(`${file}: npm audit itself failed, so this file holds no findings: ${output.failed || "no reason given"}`);
  if ("invalid" in output) throw new InputError(`${file}: ${output.invalid}${output.invalid.startsWith("not JSON") ? " (expected the output of npm audit --json)" : ""}`);
  const { total: _total, ...counts } = output.counts;
  return { ...counts, report: file };
}

export async function readAudit(path: string): Promise<AuditEvidence> {
  return parseAudit(await readUserFile(path, "npm audit report"), path);
}
