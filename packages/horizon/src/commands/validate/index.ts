import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CheckFailedError, InputError } from "../../errors.js";
import { formatFinding, validateRepository } from "../../validate/index.js";
import type { ValidationReport } from "../../validate/index.js";
import { findExecutable } from "../../io/process.js";

export interface ValidateCommandOptions {
  root?: string;
  json?: boolean;
}

interface ValidateContext {
  cwd: string;
  write: (text: string) => void;
  warn: (text: string) => void;
  /** PATH to look for kubectl and promtool in. */
  path?: string;
}

function summary(report: ValidationReport): string {
  const c = report.checked;
  return `checked ${c.workflows ?? 0} workflows, ${c.services ?? 0} services, ${c.objects ?? 0} objects, ${c.kustomizations ?? 0} kustomizations, ${c.dockerfiles ?? 0} Dockerfiles, ${c.migrationFolders ?? 0} migration folders, ${c.ruleFiles ?? 0} rule files, ${c.policyFiles === 1 ? "1 promotion policy" : `${c.policyFiles ?? 0} promotion policies`}, ${c.flagFiles ?? 0} flag files`;
}

/**
 * Where the manifests are: `deploy/` in this monorepo, or the root itself in
 * the k8s-manifests repo (and the pipeline's local copy of it), whose root
 * holds `environments/` and `base/`.
 */
export function manifestsFolder(root: string): string {
  if (existsSync(join(root, "deploy"))) return "deploy";
  return existsSync(join(root, "environments")) ? "." : "deploy";
}

/** `horizon validate`: prints findings as `file:line: [check] message`; exit 1 when there is any. */
export async function runValidate(options: ValidateCommandOptions, context: ValidateContext): Promise<ValidationReport> {
  const root = resolve(context.cwd, options.root ?? ".");
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new InputError(`--root ${options.root ?? "."}: no such directory`);
  const [kubectl, promtool] = await Promise.all([findExecutable("kubectl", context.path), findExecutable("promtool", context.path)]);
  const report = await validateRepository(root, { kubectl, promtool, deployDir: manifestsFolder(root) });
  if (options.json) context.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    context.write(report.findings.map((f) => `${formatFinding(f)}\n`).join(""));
    for (const reason of report.skipped) context.warn(`horizon validate: skipped: ${reason}\n`);
    context.warn(`horizon validate: ${summary(report)}; ${report.findings.length} finding(s)\n`);
  }
  if (report.findings.length > 0) throw new CheckFailedError(`${report.findings.length} finding(s) in ${root}`);
  return report;
}
