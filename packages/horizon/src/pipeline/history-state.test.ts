import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeAll, tempDir } from "../../test/fixtures/manifests-helpers/repo.js";
import { readPipelineState, writePipelineState } from "./history-state.js";

const dirs: string[] = [];
afterAll(() => removeAll(...dirs));
function temp(): string {
  const dir = tempDir("pipeline-state");
  dirs.push(dir);
  return dir;
}

describe(".horizon/state.json (the last green run)", () => {
  it("reads back what a green run wrote, creating .horizon on first use and leaving no temporary file", async () => {
    const horizonDir = join(temp(), ".horizon");
    const state = { lastGreen: { runId: "20261126T060000Z-ab12", commit: "0123abc", tree: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", finishedAt: "2026-11-26T06:03:00.000Z" } };
    await writePipelineState(horizonDir, state);
    expect(await readPipelineState(horizonDir)).toEqual(state);
    expect(readdirSync(horizonDir)).toEqual(["state.json"]);
  });

  it.each([
    ["missing", undefined],
    ["truncated", '{"lastGreen": {"runId"'],
    ["of another shape", '{"lastGreen": {"runId": 7}}'],
    ["null", "null"],
  ])("treats a %s file as no green run yet (so the next run builds everything)", async (_what, content) => {
    const horizonDir = temp();
    if (content !== undefined) writeFileSync(join(horizonDir, "state.json"), content);
    expect(await readPipelineState(horizonDir)).toEqual({});
  });

  it("treats a state.json that is a folder as no green run yet", async () => {
    const horizonDir = temp();
    mkdirSync(join(horizonDir, "state.json"));
    expect(await readPipelineState(horizonDir)).toEqual({});
  });
});
