import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../io/fs.js";

const StateSchema = z.object({
  lastGreen: z
    .object({
      runId: z.string(),
      commit: z.string().optional(),
      /** The working tree's snapshot (a git tree id) that run built. */
      tree: z.string(),
      finishedAt: z.string(),
    })
    .optional(),
});
export type PipelineHistoryState = z.infer<typeof StateSchema>;

/** `.horizon/state.json`: what the last green run built. A missing or unreadable file means "no green run yet". */
export async function readPipelineState(horizonDir: string): Promise<PipelineHistoryState> {
  try {
    const parsed = StateSchema.safeParse(JSON.parse(await readFile(join(horizonDir, "state.json"), "utf8")));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export async function writePipelineState(horizonDir: string, state: PipelineHistoryState): Promise<void> {
  await mkdir(horizonDir, { recursive: true });
  await writeFileAtomic(join(horizonDir, "state.json"), `${JSON.stringify(state, null, 2)}\n`, "pipeline state");
}
