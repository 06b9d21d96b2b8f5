import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeAll, run, tempDir, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { runPipeline } from "../commands/pipeline/index.js";
import { main } from "../cli.js";
import { DEFAULT_KEEP_RUNS, parseKeep, pruneRuns } from "./runs.js";

const dirs: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...dirs));

/** A .horizon/runs folder with `n` runs, one a minute from 06:00 on 2026-11-26 (ids sort by time). */
function runs(n: number): string {
  const base = tempDir("runs");
  dirs.push(base);
  const dir = join(base, ".horizon/runs");
  for (let i = 0; i < n; i++) {
    const id = `20261126T06${String(i).padStart(2, "0")}00Z-ab${String(i).padStart(2, "0")}`;
    mkdirSync(join(dir, id, "logs"), { recursive: true });
    writeFileSync(join(dir, id, "summary.json"), "{}");
    writeFileSync(join(dir, id, "logs/x.log"), "x");
  }
  return dir;
}

describe("pruneRuns", () => {
  it("keeps the newest runs, this one included: keep 20 leaves 19 earlier runs for the run about to start", async () => {
    const dir = runs(25);
    const removed = await pruneRuns(dir, 20);
    expect(removed).toHaveLength(6);
    const left = readdirSync(dir).sort();
    expect(left).toHaveLength(19);
    expect(left[0]).toBe("20261126T060600Z-ab06");
    expect(left.at(-1)).toBe("20261126T062400Z-ab24");
    expect(DEFAULT_KEEP_RUNS).toBe(20);
  });

  it("--keep 1 removes every earlier run; fewer runs than that remove nothing", async () => {
    const dir = runs(3);
    expect(await pruneRuns(dir, 10)).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(3);
    await pruneRuns(dir, 1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("leaves alone what horizon did not make: other folders and files in runs/", async () => {
    const dir = runs(3);
    mkdirSync(join(dir, "my-notes"));
    writeFileSync(join(dir, "README"), "mine");
    await pruneRuns(dir, 1);
    expect(readdirSync(dir).sort()).toEqual(["README", "my-notes"]);
  });

  it("is a no-op without a runs folder", async () => {
    const base = tempDir("no-runs");
    dirs.push(base);
    expect(await pruneRuns(join(base, ".horizon/runs"), 5)).toEqual([]);
  });
});

describe("--keep", () => {
  it("accepts a positive whole number and refuses anything else, naming it", () => {
    expect(parseKeep(undefined)).toBe(20);
    expect(parseKeep("3")).toBe(3);
    for (const bad of ["0", "-1", "2.5", "all", ""]) expect(() => parseKeep(bad), bad).toThrow(`--keep ${bad}: expected a positive whole number`);
  });

  it("horizon pipeline --keep 0 exits 2 before the run starts, and deletes nothing", async () => {
    const dir = runs(2);
    const root = join(dir, "../..");
    await run(root, "init", "--quiet");
    const refused = runPipeline({ keep: "0" }, { cwd: root, write: () => undefined });
    await expect(refused).rejects.toThrow("--keep 0: expected a positive whole number");
    await expect(refused).rejects.toMatchObject({ exitCode: 2 });
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("horizon pipeline --help documents --keep and its default", async () => {
    let out = "";
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => ((out += chunk), true));
    try {
      expect(await main(["node", "horizon", "pipeline", "--help"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.replace(/\s+/g, " ")).toContain("--keep <n> how many runs to keep in .horizon/runs, this one included (default: 20)");
  });
});
