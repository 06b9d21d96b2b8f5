import type { Command } from "commander";
import { DEFAULT_ALLOWED_LICENSES } from "../../core/license-policy.js";
import { collect, processIo } from "../cli-support.js";
import type { DepsOptions } from "./deps.js";
import type { LicensesOptions } from "./licenses.js";
import type { SbomOptions } from "./sbom.js";
import type { SecretsOptions } from "./secrets.js";

/** `horizon scan secrets|licenses|deps|sbom`: security scans that need no account. */
export function registerScan(program: Command): void {
  const scan = program.command("scan").description("security scans that need no account: secrets, licenses, deps (npm audit), sbom (CycloneDX)");

  scan
    .command("secrets")
    .description("find committed secrets with secretlint (recommended rules; AWS access key ids too); values are masked")
    .option("--root <dir>", "the repository to scan (in git: tracked and unignored files)", ".")
    .option("--sarif <file>", "also write the findings as SARIF 2.1.0 (GitHub code scanning)")
    .option("--json", "print {files, findings} as JSON")
    .action(async (options: SecretsOptions) => {
      const { runScanSecrets } = await import("./secrets.js");
      await runScanSecrets(options, processIo());
    });

  scan
    .command("licenses")
    .description("check the licenses of production dependencies (from package-lock.json) against an SPDX allow-list")
    .option("--root <dir>", "the repository (with package-lock.json)", ".")
    .option("--workspace <path>", "a workspace whose production dependencies count; repeat (default: every services/* workspace)", collect, [])
    .option("--allow <spdx-ids>", `allowed licenses, comma-separated; repeatable (default: ${DEFAULT_ALLOWED_LICENSES.join(",")})`, collect, [])
    .option("--sarif <file>", "also write the violations as SARIF 2.1.0")
    .option("--json", "print the report as JSON")
    .action(async (options: LicensesOptions) => {
      const { runScanLicenses } = await import("./licenses.js");
      await runScanLicenses(options, processIo());
    });

  scan
    .command("deps")
    .description("run npm audit and count vulnerabilities per severity; --out saves the JSON for horizon gate --audit")
    .option("--root <dir>", "the repository (with package-lock.json)", ".")
    .option("--out <file>", "write npm audit's JSON here (the gate's evidence)")
    .option("--omit-dev", "audit production dependencies only")
    .option("--json", "print the counts as JSON")
    .action(async (options: DepsOptions) => {
      const { runScanDeps } = await import("./deps.js");
      await runScanDeps(options, processIo());
    });

  scan
    .command("sbom")
    .description("write a CycloneDX 1.5 JSON SBOM of the production dependencies (from package-lock.json)")
    .option("--root <dir>", "the repository (with package-lock.json)", ".")
    .option("--workspace <path>", "a workspace to include; repeat (default: every services/* workspace)", collect, [])
    .option("--out <file>", "write the SBOM here instead of standard output")
    .action(async (options: SbomOptions) => {
      const { runScanSbom } = await import("./sbom.js");
      await runScanSbom(options, processIo());
    });
}
