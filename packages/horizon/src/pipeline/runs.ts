import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parsePositive } from "../commands/loadtest/target.js";

/** How many runs `horizon pipeline` keeps in .horizon/runs, the one it starts included (each holds logs, coverage, SBOM, ...). */
export const DEFAULT_KEEP_RUNS = 20;

/** What `horizon pipeline` names a run folder: its start time and a random suffix (see newRunId). */
const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

/** `--keep N`: a positive whole number; anything else is a usage error (exit 2). */
export function parseKeep(raw: string | undefined): number {
  return raw === undefined ? DEFAULT_KEEP_RUNS : parsePositive(raw, "--keep", true);
}

/**
 * Removes the oldest run folders so that, with the run about to start, `keep`
 * remain. Only folders named like a run id are touched (anything else in
 * runs/ is the user's). Returns the ids removed, oldest first.
 */
export async function pruneRuns(runsDir: string, keep: number): Promise<string[]> {
  if (!existsSync(runsDir)) return [];
  const ids = readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && RUN_ID.test(e.name))
    .map((e) => e.name)
    .sort();
  const doomed = ids.slice(0, Math.max(0, ids.length - (keep - 1)));
  for (const id of doomed) await rm(join(runsDir, id), { recursive: true, force: true });
  return doomed;
}
