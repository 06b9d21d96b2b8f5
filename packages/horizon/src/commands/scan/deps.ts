import { resolve } from "node:path";
import { ExternalError } from "../../errors.js";
import { readAuditOutput } from "../../evidence/audit.js";
import type { SeverityCounts } from "../../evidence/audit.js";
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

/**
 * `horizon scan deps`: `npm audit --json`, saved as the evidence `horizon gate
 * --audit` reads, with the counts per severity printed. Vulnerabilities are
 * the gate's to judge (exit 0 here); no answer from the registry is exit 3,
 * and then the gate has no evidence.
 */
// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function runScanDeps(options: DepsOptions, context: ScanContext): Promise<SeverityCounts> {
  const root = scanRoot(context.cwd, options.root);
  const args = ["audit", "--json", ...(options.omitDev ? ["--omit=dev"] : [])];
  const result = await runTool("npm", args, root);
  const audit = readAuditOutput(result.stdout);
  if ("invalid" in audit) throw new ExternalError(`npm audit printed no report (exit ${result.exitCode}; ${audit.invalid}): ${result.stderr.trim().split("\n").slice(-3).join(" ")}`);
  if ("failed" in audit) {
    const stderr = result.stderr.split("\n").filter((l) => l.startsWith("npm error") && !l.includes("complete log"));
    const why = audit.failed || stderr.join(" ") || `exit ${result.exitCode}`;
    throw new ExternalError(`npm audit could not get advisories (${why}); the security_vulnerabilities gate has no evidence`);
  }
  const full = audit.counts;
  if (options.out) await writeFileAtomic(resolve(context.cwd, options.out), result.stdout, "audit output");
  if (options.json) context.write(`${JSON.stringify(full)}\n`);
  else context.write(`critical ${full.critical}, high ${full.high}, moderate ${full.moderate}, low ${full.low}, info ${full.info} (total ${full.total})\n`);
  return full;
}
