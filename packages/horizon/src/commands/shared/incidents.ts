import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Incident } from "../../core/dora.js";
import { InputError } from "../../errors.js";

// Read by dora and compliance (--incidents). Moved here from dora/index.ts, so compliance does not import dora.

/** The incidents file; its schema (zod) loads only when there is one, so `horizon dora` starts without it. */
export async function readIncidents(cwd: string, file: string | undefined): Promise<Incident[]> {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new InputError(`cannot read incidents file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const { parseIncidents } = await import("../../core/dora-incidents.js");
  return parseIncidents(text, file);
}
