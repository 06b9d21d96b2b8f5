import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LockfileError } from "../../core/scan-lockfile.js";
import type { Lockfile } from "../../core/scan-lockfile.js";
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

export async function readLockfile(root: string): Promise<{ lock: Lockfile; text: string }> {
  const file = join(root, "package-lock.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(`${file}: cannot read it (run npm install to create it)`, { cause: error });
  }
  try {
    return { lock: JSON.parse(text) as Lockfile, text };
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

export function lockInputError(error: unknown): never {
  if (error instanceof LockfileError) throw new InputError(error.message, { cause: error });
  throw error;
}

export async function writeSarif(cwd: string, file: string | undefined, tool: string, findings: readonly ScanFinding[]): Promise<void> {
  if (!file) return;
  await writeFileAtomic(resolve(cwd, file), `${JSON.stringify(toSarif(tool, "0.1.0", findings), null, 2)}\n`, "SARIF file");
}
