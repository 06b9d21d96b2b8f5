import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createManifestsRepo, removeAll, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { main } from "../../cli.js";
import type { RunSummary } from "../../pipeline/types.js";
import { latestRunDir, runReport } from "./index.js";

const dirs: string[] = [];
let out = "";
let err = "";
beforeAll(() => useTestGitEnv());
afterEach(() => vi.restoreAllMocks());
afterAll(() => removeAll(...dirs));

function temp(): string {
  const dir = tempDir("report");
  dirs.push(dir);
  return dir;
}

async function horizon(...args: string[]): Promise<number> {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  const code = await main(["node", "horizon", ...args]);
  vi.restoreAllMocks();
  return code;
}

function writeRun(root: string, runId: string, status: RunSummary["status"] = "passed"): string {
  const dir = join(root, ".horizon/runs", runId);
  mkdirSync(dir, { recursive: true });
  const summary: RunSummary = {
    runId,
    startedAt: "2026-11-26T06:00:00.000Z",
    durationMs: 61_000,
    status,
    services: ["campaign-service"],
    stages: [{ id: "lint", title: "lint", service: "campaign-service", startedAt: "2026-11-26T06:00:00.000Z", durationMs: 1500, status: "passed", summary: "no problems" }],
  };
  writeFileSync(join(dir, "summary.json"), JSON.stringify(summary));
  return dir;
}

describe("horizon report", () => {
  it("--help explains the options", async () => {
    expect(await horizon("report", "--help")).toBe(0);
    expect(out).toContain("--run <dir>");
    expect(out).toContain("--manifests <dir>");
  });

  it("--run pointing at a folder without summary.json exits 2, names it, and writes nothing", async () => {
    const dir = temp();
    expect(await horizon("report", "--run", dir)).toBe(2);
    expect(err).toContain(`--run ${dir}: no summary.json there`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("--run pointing at a folder that does not exist exits 2", async () => {
    const missing = join(temp(), "no-such-run");
    expect(await horizon("report", "--run", missing)).toBe(2);
    expect(err).toContain(missing);
    expect(existsSync(missing)).toBe(false);
  });

  it("--run with a summary.json that is not a run summary exits 2 instead of claiming there was no run", async () => {
    const root = temp();
    const dir = writeRun(root, "20261126T060000Z-aaaa");
    writeFileSync(join(dir, "summary.json"), "{ truncated");
    expect(await horizon("report", "--run", dir)).toBe(2);
    expect(err).toContain(`${join(dir, "summary.json")}: not valid JSON`);
    writeFileSync(join(dir, "summary.json"), '{"runId": "x"}');
    expect(await horizon("report", "--run", dir)).toBe(2);
    expect(err).toContain('not a run summary (no "stages" list)');
    expect(existsSync(join(dir, "dashboard.html"))).toBe(false);
  });

  it("--manifests that is not a git repository exits 2 and names it", async () => {
    const root = temp();
    const run = writeRun(root, "20261126T060000Z-aaaa");
    const notRepo = temp();
    expect(await horizon("report", "--run", run, "--manifests", notRepo)).toBe(2);
    expect(err).toContain(`--manifests ${notRepo}: not a git repository`);
    expect(existsSync(join(run, "dashboard.html"))).toBe(false);
  });

  it("an --env the manifests repo does not have exits 2 and names the known ones, as dora does, and writes nothing", async () => {
    const root = temp();
    const run = writeRun(root, "20261126T060000Z-aaaa");
    const manifests = await createManifestsRepo("kustomize");
    dirs.push(manifests);
    expect(await horizon("report", "--run", run, "--manifests", manifests, "--env", "qa")).toBe(2);
    expect(err).toContain('unknown environment "qa"');
    expect(existsSync(join(run, "dashboard.html"))).toBe(false);
  });

  it("a bad --since exits 2 naming the value", async () => {
    const run = writeRun(temp(), "20261126T060000Z-aaaa");
    expect(await horizon("report", "--run", run, "--since", "last tuesday")).toBe(2);
    expect(err).toContain('--since "last tuesday"');
  });

  it("with no run at all writes a page that says so (and succeeds)", async () => {
    const root = temp();
    let said = "";
    const file = await runReport({}, { cwd: root, write: (t) => (said += t) });
    expect(file).toBe(join(root, ".horizon/dashboard.html"));
    expect(said).toBe("dashboard written to .horizon/dashboard.html (open it in a browser)\n");
    const page = readFileSync(file, "utf8");
    expect(page).toContain("No pipeline run yet");
    expect(page).toContain("No manifests repository found.");
  });

  it("by default reports the newest run and writes the page into its folder", async () => {
    const root = temp();
    writeRun(root, "20261125T230000Z-ffff", "failed");
    const newest = writeRun(root, "20261126T060000Z-0000");
    writeFileSync(join(root, ".horizon/runs/zzz-not-a-folder"), "");
    expect(latestRunDir(root)).toBe(newest);
    const file = await runReport({}, { cwd: root, write: () => undefined });
    expect(file).toBe(join(newest, "dashboard.html"));
    const page = readFileSync(file, "utf8");
    expect(page).toContain("20261126T060000Z-0000");
    expect(page).toContain('<span class="badge passed">passed</span>');
    expect(page).toContain("1 min 1 s");
  });

  it("--json prints the dashboard's data with where the page went", async () => {
    const root = temp();
    const run = writeRun(root, "20261126T060000Z-aaaa");
    const target = join(root, "site/index.html");
    expect(await horizon("report", "--run", run, "--out", target, "--json")).toBe(0);
    const data = JSON.parse(out) as { out: string; run: { runId: string; stages: { title: string; durationMs: number }[] } };
    expect(data.out).toBe(target);
    expect(data.run.runId).toBe("20261126T060000Z-aaaa");
    expect(data.run.stages).toEqual([expect.objectContaining({ title: "lint", durationMs: 1500 })]);
    expect(readFileSync(target, "utf8")).toMatch(/^<!doctype html>/);
  });
});
