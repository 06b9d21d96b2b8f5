import type { Command } from "commander";
import { registerScanDeps } from "./deps.js";
import { registerScanLicenses } from "./licenses.js";
import { registerScanSbom } from "./sbom.js";
import { registerScanSecrets } from "./secrets.js";

/** `horizon scan secrets|licenses|deps|sbom`: security scans that need no account. */
export function registerScan(program: Command): void {
  const scan = program.command("scan").description("security scans that need no account: secrets, licenses, deps (npm audit), sbom (CycloneDX)");
  registerScanSecrets(scan);
  registerScanLicenses(scan);
  registerScanDeps(scan);
  registerScanSbom(scan);
}
