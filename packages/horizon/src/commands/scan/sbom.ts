import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { declaredLicense } from "../../core/licenses.js";
import { productionClosure, serviceWorkspaces } from "../../core/scan-lockfile.js";
import type { LockedPackage } from "../../core/scan-lockfile.js";
import { buildSbom } from "../../core/scan-sbom.js";
import { writeFileAtomic } from "../../io/fs.js";
import { selectWorkspaces } from "./licenses.js";
import { lockInputError, readLockfile, scanRoot } from "./shared.js";
import type { ScanContext } from "./shared.js";

export interface SbomOptions {
  root?: string;
  workspace: string[];
  out?: string;
}

async function withLicense(root: string, pkg: LockedPackage): Promise<LockedPackage & { license?: string | undefined }> {
  if (pkg.entry.license) return { ...pkg, license: pkg.entry.license };
  try {
    return { ...pkg, license: declaredLicense(JSON.parse(await readFile(join(root, pkg.path, "package.json"), "utf8")) as { license?: unknown }) };
  } catch {
    return pkg;
  }
}

/** `horizon scan sbom`: a CycloneDX JSON SBOM of the production dependencies, from package-lock.json. */
export async function runScanSbom(options: SbomOptions, context: ScanContext & { now?: () => Date }): Promise<object> {
  const root = scanRoot(context.cwd, options.root);
  const { lock } = await readLockfile(root);
  const workspaces = selectWorkspaces(options.workspace, serviceWorkspaces(lock));
  let packages: LockedPackage[] = [];
  try {
    packages = productionClosure(lock, workspaces);
  } catch (error) {
    lockInputError(error);
  }
  const rootManifest = (lock as { name?: string; version?: string });
  const sbom = buildSbom({
    name: rootManifest.name ?? "application",
    version: rootManifest.version ?? "0.0.0",
    packages: await Promise.all(packages.map((p) => withLicense(root, p))),
    timestamp: (context.now?.() ?? new Date()).toISOString(),
    serialNumber: `urn:uuid:${randomUUID()}`,
  });
  const json = `${JSON.stringify(sbom, null, 2)}\n`;
  if (options.out) {
    await writeFileAtomic(resolve(context.cwd, options.out), json, "SBOM");
    context.warn(`horizon scan sbom: ${(sbom as { components: unknown[] }).components.length} components of ${workspaces.join(", ")} written to ${options.out}\n`);
  } else context.write(json);
  return sbom;
}
