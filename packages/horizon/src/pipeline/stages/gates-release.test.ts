import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRepo, removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import { ensureManifestsRepo } from "../manifests-repo.js";
import { ProgressPrinter } from "../progress.js";
import { executeStages } from "../runner.js";
import { newPipelineState, type PipelineState } from "../state.js";
import type { RunSummary } from "../types.js";
import { gateStage } from "./gates.js";
import { releaseStage, validateManifestsStage } from "./release.js";

const dirs: string[] = [];
let root = "";
let head = "";

beforeAll(async () => {
  useTestGitEnv();
  // A small application repo: the real deploy/ and quality-gates.yaml, committed.
  root = await createAppRepo("pipeline-release");
  dirs.push(root);
  head = await run(root, "rev-parse", "HEAD");
});
afterAll(() => removeAll(...dirs));

/** A run folder with an lcov for campaign-service covering `hit` of 10 lines (none: no coverage at all). */
function newRun(hit: number | undefined): { runDir: string; manifestsDir: string; state: PipelineState } {
  const runDir = tempDir("pipeline-run");
  const manifestsDir = join(tempDir("pipeline-manifests"), "manifests");
  dirs.push(runDir, join(manifestsDir, ".."));
  const state = newPipelineState(["campaign-service"]);
  state.services = ["campaign-service"];
  if (hit !== undefined) {
    const da = Array.from({ length: 10 }, (_, i) => `DA:${i + 1},${i < hit ? 1 : 0}`);
    mkdirSync(join(runDir, "coverage"), { recursive: true });
    writeFileSync(join(runDir, "coverage/campaign-service.lcov"), ["TN:", "SF:src/app.ts", ...da, "LF:10", `LH:${hit}`, "end_of_record", ""].join("\n"));
    state.evidence.coverage.set("campaign-service", "coverage/campaign-service.lcov");
  }
  return { runDir, manifestsDir, state };
}

function execute(state: PipelineState, runDir: string, manifestsDir: string): Promise<RunSummary> {
  const options = { manifestsDir, runId: "run-7" };
  const stages = [gateStage(state, "campaign-service"), releaseStage(state, options), validateManifestsStage(options)];
  const summary: RunSummary = { runId: "run-7", startedAt: new Date().toISOString(), durationMs: 0, status: "running", services: state.services, stages: [] };
  const sink = new Writable({ write: (_c, _e, done) => done() });
  return executeStages(stages, { summary, runDir, root, printer: new ProgressPrinter(sink, false) });
}

describe("gates and release stages", () => {
  it("a failed required gate fails the run, names the gate, and leaves the manifests repository untouched", async () => {
    const { runDir, manifestsDir, state } = newRun(7);
    await ensureManifestsRepo(root, manifestsDir);
    const before = await run(manifestsDir, "rev-parse", "HEAD");
    const summary = await execute(state, runDir, manifestsDir);
    expect(summary.stages.map((s) => [s.id, s.status])).toEqual([
      ["gate-campaign-service", "failed"],
      ["release", "skipped"],
      ["validate-manifests", "skipped"],
    ]);
    expect(summary.status).toBe("failed");
    expect(summary.failure).toBe("quality gates campaign-service: code_coverage: line coverage 70% is below 80%");
    expect(summary.stages[1]?.summary).toBe("blocked: quality gates campaign-service failed (code_coverage: line coverage 70% is below 80%)");
    expect(await run(manifestsDir, "rev-parse", "HEAD")).toBe(before);
    expect(await run(manifestsDir, "status", "--porcelain")).toBe("");
    const report = JSON.parse(readFileSync(join(runDir, "gates/campaign-service.json"), "utf8")) as { status: string };
    expect(report.status).toBe("fail");
  });

  it("no coverage evidence fails the required coverage gate, and nothing is released (no manifests repo is made)", async () => {
    const { runDir, manifestsDir, state } = newRun(undefined);
    const summary = await execute(state, runDir, manifestsDir);
    expect(summary.stages[0]?.status).toBe("failed");
    expect(summary.stages[0]?.summary).toContain("code_coverage");
    expect(summary.stages[0]?.summary).toContain("no evidence");
    expect(summary.stages[1]?.status).toBe("skipped");
    expect(existsSync(manifestsDir)).toBe(false);
  });

  it("passing gates release the service into development as one commit, tagged with the source commit, and the manifests validate", async () => {
    const { runDir, manifestsDir, state } = newRun(9);
    state.tree = await run(root, "rev-parse", "HEAD^{tree}");
    const summary = await execute(state, runDir, manifestsDir);
    expect(summary.stages.map((s) => s.status)).toEqual(["warning", "passed", "passed"]);
    expect(summary.status).toBe("passed");
    const tag = head.slice(0, 12);
    expect(summary.stages[1]?.summary).toContain(`committed campaign-service:${tag}`);
    expect(summary.stages[1]?.summary).toContain("(created");
    const history = await readReleaseHistory(manifestsDir);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ action: "deploy", environment: "development" });
    // The gate stage warned (an optional gate without evidence) and failed nothing: recorded as passed, for promote --auto.
    expect(history[0]?.services[0]).toMatchObject({ service: "campaign-service", sourceCommit: head, gates: "passed" });
    expect(history[0]?.services[0]?.image).toMatch(new RegExp(`/campaign-service:${tag}$`));
    expect(readFileSync(join(manifestsDir, "environments/development/campaign-service/kustomization.yaml"), "utf8")).toContain(`newTag: "${tag}"`);
  });

  it("uncommitted work is released under a tag that says so, never as the clean commit", async () => {
    const { runDir, manifestsDir, state } = newRun(10);
    state.tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"; // not HEAD's tree: the build had local changes
    const summary = await execute(state, runDir, manifestsDir);
    expect(summary.stages[1]?.status).toBe("passed");
    expect(summary.stages[1]?.summary).toContain(`campaign-service:${head.slice(0, 12)}-wip.run-7`);
  });
});
