import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { parseJsonAs } from "../../core/json.js";
import { toSarif } from "../../core/scan-sarif.js";
import type { ScanFinding } from "../../core/scan-sarif.js";
import { InputError } from "../../errors.js";
import { writeFileAtomic } from "../../io/fs.js";

/** What a scan command needs from the outside; tests pass their own. */
export interface ScanContext {
  cwd: string;
  write: (text: string) => void;
  warn: (text: string) => void;
}

export function scanRoot(cwd: string, root: string | undefined): string {
  const dir = resolve(cwd, root ?? ".");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--root ${root ?? "."}: no such directory`);
  return dir;
}

/** What the scans read of package-lock.json: its package folders, and which are workspace links. */
const lockfileSchema = z.object({
  lockfileVersion: z.number().int().min(2, "lockfileVersion 2 or later is needed; run npm install with npm 7+"),
  packages: z.record(z.string(), z.object({ link: z.boolean().optional(), integrity: z.string().optional() }).loose()),
});
export type Lockfile = z.infer<typeof lockfileSchema>;

/** The workspaces that ship as images: `services/*` entries of the lockfile. */
export const serviceWorkspaces = (lock: Lockfile): string[] =>
  Object.keys(lock.packages)
    .filter((p) => /^services\/[^/]+$/.test(p))
    .sort();

export async function readLockfile(root: string): Promise<{ lock: Lockfile; text: string }> {
  const file = join(root, "package-lock.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(`${file}: cannot read it (run npm install to create it)`, { cause: error });
  }
  const lock = parseJsonAs(lockfileSchema, text);
  if ("invalid" in lock) throw new InputError(`${file}: ${lock.invalid}`);
  return { lock: lock.data, text };
}

export async function writeSarif(cwd: string, file: string | undefined, tool: string, findings: readonly ScanFinding[]): Promise<void> {
  if (!file) return;
  await writeFileAtomic(resolve(cwd, file), `${JSON.stringify(toSarif(tool, "0.1.0", findings), null, 2)}\n`, "SARIF file");
}
