import { z } from "zod";
import { InputError } from "../errors.js";
import { readUserFile } from "../io/fs.js";

/** Counts by npm's severities; the spec's `medium` is npm's `moderate`. */
export interface AuditEvidence {
  critical: number;
  high: number;
  moderate: number;
  low: number;
  info: number;
  report: string;
}

const count = z.number().int().nonnegative();
// npm audit --json (report v2, npm 7+; v1 has the same metadata block).
const AuditReportSchema = z.object({
  metadata: z.object({
    vulnerabilities: z.object({ info: count, low: count, moderate: count, high: count, critical: count }),
  }),
});
// What npm prints instead when the audit itself fails (no lockfile, registry refused, ...).
const AuditFailureSchema = z.object({
  message: z.string().nullish(),
  error: z.object({ code: z.string().nullish(), summary: z.string().nullish() }),
});

/** Parses `npm audit --json` output; an npm error report or any other JSON is bad input. */
export function parseAudit(text: string, file: string): AuditEvidence {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON (expected the output of npm audit --json): ${(error as Error).message}`, { cause: error });
  }
  const failure = AuditFailureSchema.safeParse(data);
  if (failure.success) {
    const { code, summary } = failure.data.error;
    const reason = [code, summary || failure.data.message].filter(Boolean).join(": ") || "no reason given";
    throw new InputError(`${file}: npm audit itself failed, so this file holds no findings: ${reason}`);
  }
  const report = AuditReportSchema.safeParse(data);
  if (!report.success) {
    const issue = report.error.issues[0];
    const where = issue ? issue.path.join(".") : "";
    throw new InputError(`${file}: not an npm audit --json report: ${where || "(top level)"}: ${issue?.message ?? "invalid"}`);
  }
  return { ...report.data.metadata.vulnerabilities, report: file };
}

export async function readAudit(path: string): Promise<AuditEvidence> {
  return parseAudit(await readUserFile(path, "npm audit report"), path);
}
