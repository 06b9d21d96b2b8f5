import { z } from "zod";
import { InputError } from "../errors.js";
import { readUserFile } from "../io/fs.js";

const number = z.number().nonnegative();

/** The JSON `horizon loadtest --out` writes and `horizon gate --load` reads. */
export const LoadTestReportSchema = z.object({
  url: z.string(),
  connections: z.number().int().positive(),
  durationSeconds: number,
  targetRps: number.nullable(),
  requests: z.object({ total: z.number().int().nonnegative(), perSecond: number }),
  latencyMs: z.object({ p50: number, p90: number, p95: number, p99: number, max: number }),
  errors: z.object({
    total: z.number().int().nonnegative(),
    /** (errors + non-2xx responses) / requests sent, a fraction (0.001 = 0.1%). */
    rate: number,
    non2xx: z.number().int().nonnegative(),
    timeouts: z.number().int().nonnegative(),
  }),
});

export type LoadTestReport = z.infer<typeof LoadTestReportSchema>;

function parseLoadReport(text: string, file: string): LoadTestReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON (expected the output of horizon loadtest --out): ${(error as Error).message}`, { cause: error });
  }
  const result = LoadTestReportSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    throw new InputError(`${file}: not a horizon loadtest report: ${problems.join("; ")}`);
  }
  return result.data;
}

export async function readLoadReport(path: string): Promise<LoadTestReport> {
  return parseLoadReport(await readUserFile(path, "load test report"), path);
}
