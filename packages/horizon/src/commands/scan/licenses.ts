import { DEFAULT_ALLOWED_LICENSES } from "../../core/license-policy.js";
import { evaluateLicense, invalidLicenseIds } from "../../core/licenses.js";
import type { ScanFinding } from "../../core/scan-sarif.js";
import { CheckFailedError, InputError } from "../../errors.js";
import { productionBom } from "./production.js";
import { readLockfile, scanRoot, serviceWorkspaces, writeSarif } from "./shared.js";
import type { ScanContext } from "./shared.js";

export interface LicensesOptions {
  root?: string;
  workspace: string[];
  allow: string[];
  sarif?: string;
  json?: boolean;
}

interface LicenseReport {
  workspaces: string[];
  allowed: string[];
  packages: number;
  licenses: Record<string, number>;
  violations: { name: string; version: string; path: string; license: string | null; reason: string }[];
}

/** The workspaces whose production dependencies count: the ones named, else every service (what ships in images). */
export function selectWorkspaces(named: readonly string[], available: readonly string[]): string[] {
  if (named.length > 0) return named.map((w) => w.replace(/\/+$/, ""));
  if (available.length === 0) throw new InputError("package-lock.json lists no services/* workspace; name workspaces with --workspace");
  return [...available];
}

/** `horizon scan licenses`: every production dependency's SPDX license against the allow-list; all violations listed. */
// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function runScanLicenses(options: LicensesOptions, context: ScanContext): Promise<LicenseReport> {
  const root = scanRoot(context.cwd, options.root);
  const { lock, text } = await readLockfile(root);
  const allowed = options.allow.length > 0 ? options.allow.flatMap((a) => a.split(",")).map((a) => a.trim()).filter(Boolean) : [...DEFAULT_ALLOWED_LICENSES];
  const invalid = invalidLicenseIds(allowed);
  if (invalid.length > 0) throw new InputError(`--allow: not ${invalid.length > 1 ? "SPDX license ids" : "an SPDX license id"}: ${invalid.join(", ")} (see https://spdx.org/licenses/)`);
  const workspaces = selectWorkspaces(options.workspace, serviceWorkspaces(lock));
  // Our own workspaces are in the SBOM (they ship) but are not third-party licenses to check.
  const packages = (await productionBom(root, lock, workspaces)).packages.filter((p) => !p.workspace);
  const report: LicenseReport = { workspaces, allowed, packages: packages.length, licenses: {}, violations: [] };
  const lines = text.split("\n");
  const findings: ScanFinding[] = [];
  for (const pkg of packages) {
    const license = pkg.license;
    report.licenses[license ?? "(none)"] = (report.licenses[license ?? "(none)"] ?? 0) + 1;
    const verdict = evaluateLicense(license, allowed);
    if (verdict.allowed) continue;
    const reason = verdict.reason ?? "is not allowed";
    report.violations.push({ name: pkg.name, version: pkg.version, path: pkg.path, license: license ?? null, reason });
    const line = lines.findIndex((l) => l.includes(`"${pkg.path}": {`)) + 1;
    findings.push({ ruleId: "license-not-allowed", message: `${pkg.name}@${pkg.version} ${reason}`, file: "package-lock.json", line: Math.max(line, 1) });
  }
  await writeSarif(context.cwd, options.sarif, "horizon scan licenses", findings);
  if (options.json) context.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    context.write(report.violations.map((v) => `${v.name}@${v.version} (${v.path}) ${v.reason}\n`).join(""));
    const summary = Object.entries(report.licenses).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`).join(", ");
    context.warn(`horizon scan licenses: ${report.packages} production packages of ${workspaces.join(", ")}: ${summary || "none"}; ${report.violations.length} not allowed\n`);
  }
  if (report.violations.length > 0) throw new CheckFailedError(`${report.violations.length} production package(s) have a license outside the allow-list (${allowed.join(", ")})`);
  return report;
}
