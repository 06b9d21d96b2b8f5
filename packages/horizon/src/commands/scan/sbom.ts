import { resolve } from "node:path";
import { writeFileAtomic } from "../../io/fs.js";
import { selectWorkspaces } from "./licenses.js";
import { productionBom } from "./production.js";
import { readLockfile, scanRoot, serviceWorkspaces } from "./shared.js";
import type { ScanContext } from "./shared.js";

export interface SbomOptions {
  root?: string;
  workspace: string[];
  out?: string;
}

/** `horizon scan sbom`: a CycloneDX JSON SBOM of the production dependencies, validated against the schema. */
// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function runScanSbom(options: SbomOptions, context: ScanContext): Promise<void> {
  const root = scanRoot(context.cwd, options.root);
  const { lock } = await readLockfile(root);
  const workspaces = selectWorkspaces(options.workspace, serviceWorkspaces(lock));
  const { json, packages } = await productionBom(root, lock, workspaces);
  if (options.out) {
    await writeFileAtomic(resolve(context.cwd, options.out), json, "SBOM");
    context.warn(`horizon scan sbom: ${packages.length} components of ${workspaces.join(", ")} written to ${options.out}\n`);
  } else context.write(json);
}
