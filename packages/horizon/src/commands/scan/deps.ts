import { resolve } from "node:path";
import { ExternalError } from "../../errors.js";
import { writeFileAtomic } from "../../io/fs.js";
import { runTool } from "../../io/process.js";
import { scanRoot } from "./shared.js";
import type { ScanContext } from "./shared.js";

export interface DepsOptions {
  root?: string;
  out?: string;
  omitDev?: boolean;
  json?: boolean;
}

export type SeverityCounts = Record<"info" | "low" | "moderate" | "high" | "critical" | "total", number>;

interface AuditJson {
  metadata?: { vulnerabilities?: Partial<SeverityCounts> };
  error?: { code?: string; summary?: string; detail?: string };
  message?: string;
}

/**
 * `horizon scan deps`: `npm audit --json`, saved as the evidence `horizon gate
 * --audit` reads, with the counts per severity printed. Vulnerabilities are
 * the gate's to judge (exit 0 here); no answer from the registry is exit 3,
 * and then the gate has no evidence.
 */
export async function runScanDeps(options: DepsOptions, context: ScanContext): Promise<SeverityCounts> {
  const root = scanRoot(context.cwd, options.root);
  const args = ["audit", "--json", ...(options.omitDev ? ["--omit=dev"] : [])];
  const result = await runTool("npm", args, root);
  let audit: AuditJson;
  try {
    audit = JSON.parse(result.stdout) as AuditJson;
  } catch (error) {
    throw new ExternalError(`npm audit printed no JSON (exit ${result.exitCode}): ${result.stderr.trim().split("\n").slice(-3).join(" ")}`, { cause: error });
  }
  const counts = audit.metadata?.vulnerabilities;
  if (!counts) {
    const stderr = result.stderr.split("\n").filter((l) => l.startsWith("npm error") && !l.includes("complete log"));
    const why = [audit.error?.code, audit.error?.summary, audit.message].filter(Boolean).join(": ") || stderr.join(" ") || `exit ${result.exitCode}`;
    throw new ExternalError(`npm audit could not get advisories (${why}); the security_vulnerabilities gate has no evidence`);
  }
  const full: SeverityCounts = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts };
  if (options.out) await writeFileAtomic(resolve(context.cwd, options.out), result.stdout, "audit output");
  if (options.json) context.write(`${JSON.stringify(full)}\n`);
  else context.write(`critical ${full.critical}, high ${full.high}, moderate ${full.moderate}, low ${full.low}, info ${full.info} (total ${full.total})\n`);
  return full;
}
