import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAppRepo, removeAll, REPO_ROOT, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { runPipeline } from "../../commands/pipeline/index.js";
import { runSetImage } from "../../commands/release/set-image.js";
import { InputError } from "../../errors.js";
import { ensureManifestsRepo } from "../manifests-repo.js";
import { ProgressPrinter } from "../progress.js";
import { executeStages } from "../runner.js";
import { newPipelineState, type PipelineState } from "../state.js";
import type { RunSummary, Stage, StageOutcome } from "../types.js";
import { gateStage } from "./gates.js";
import { releaseStage, syncManifestsStage, validateManifestsStage, validateRepositoryStage } from "./release.js";
import { scanStages } from "./scans.js";

/**
 * Green means safe (issue 11, cases 1-3 and 8): the release happens only when
 * no stage that ran failed, and the checks that belong to no service run on
 * every change. Each test runs real stages on a temporary application repo
 * (the real deploy/ and quality-gates.yaml) and a real manifests repo.
 */
const dirs: string[] = [];
const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});
afterAll(() => removeAll(...dirs));
beforeAll(() => useTestGitEnv());

async function appRepo(): Promise<string> {
  const root = await createAppRepo("release-rule-app");
  dirs.push(root);
  return root;
}

interface Run {
  root: string;
  runDir: string;
  manifestsDir: string;
  state: PipelineState;
}

/** campaign-service affected, with coverage that passes its gate (9 of 10 lines). */
async function newRun(services: string[] = ["campaign-service"]): Promise<Run> {
  const root = await appRepo();
  const runDir = tempDir("release-rule-run");
  const manifestsDir = join(tempDir("release-rule-manifests"), "manifests");
  dirs.push(runDir, join(manifestsDir, ".."));
  const state = newPipelineState(["campaign-service"]);
  state.services = services;
  state.tree = await run(root, "rev-parse", "HEAD^{tree}");
  const da = Array.from({ length: 10 }, (_, i) => `DA:${i + 1},${i < 9 ? 1 : 0}`);
  mkdirSync(join(runDir, "coverage"), { recursive: true });
  writeFileSync(join(runDir, "coverage/campaign-service.lcov"), ["TN:", "SF:src/app.ts", ...da, "LF:10", "LH:9", "end_of_record", ""].join("\n"));
  state.evidence.coverage.set("campaign-service", "coverage/campaign-service.lcov");
  return { root, runDir, manifestsDir, state };
}

function execute(r: Run, before: Stage[]): Promise<RunSummary> {
  const options = { manifestsDir: r.manifestsDir, runId: "run-11" };
  const stages = [...before, syncManifestsStage(r.state, options), releaseStage(r.state, options), validateManifestsStage(options)];
  const summary: RunSummary = { runId: "run-11", startedAt: new Date().toISOString(), durationMs: 0, status: "running", services: r.state.services, stages: [] };
  const sink = new Writable({ write: (_c, _e, done) => done() });
  return executeStages(stages, { summary, runDir: r.runDir, root: r.root, printer: new ProgressPrinter(sink, false) });
}

const fixed = (id: string, title: string, outcome: StageOutcome): Stage => ({ id, title, run: () => Promise.resolve(outcome) });
const statusOf = (summary: RunSummary, id: string) => summary.stages.find((s) => s.id === id);

describe("the release happens only when no stage that ran failed", () => {
  it.each([
    ["loadtest", "load test", "no load-test report: 0 requests"],
    ["integration", "integration tests", "3 of 4 passed"],
    ["scan-sbom", "SBOM", "horizon scan sbom exited 2"],
  ])("a failed %s stage blocks it, although every gate only warns", async (id, title, why) => {
    const r = await newRun();
    await ensureManifestsRepo(r.root, r.manifestsDir);
    const head = await run(r.manifestsDir, "rev-parse", "HEAD");
    // No load-test, audit or integration evidence: those gates warn (not required); coverage passes.
    const summary = await execute(r, [fixed(id, title, { status: "failed", summary: why }), gateStage(r.state, "campaign-service")]);
    expect(statusOf(summary, "gate-campaign-service")?.status).toBe("warning");
    expect(statusOf(summary, "release")).toMatchObject({ status: "skipped", summary: `blocked: ${title} failed (${why})` });
    expect(statusOf(summary, "sync-manifests")?.status).toBe("skipped");
    expect(summary.status).toBe("failed");
    expect(summary.failure).toBe(`${title}: ${why}`);
    expect(await run(r.manifestsDir, "rev-parse", "HEAD")).toBe(head);
  });

  it("a warning alone does not block it (an offline audit leaves the gate without evidence)", async () => {
    const r = await newRun();
    const summary = await execute(r, [fixed("scan-deps", "dependency audit", { status: "warning", summary: "no network" }), gateStage(r.state, "campaign-service")]);
    expect(statusOf(summary, "release")?.status).toBe("passed");
    expect(summary.status).toBe("passed");
  });
});

describe("checks that belong to no service run on every change", () => {
  it("the secret scan runs when no service is affected, finds a key in deploy/, and blocks the sync", async () => {
    const r = await newRun([]);
    // A well-known example key id shape (AKIA + 16), written at test time so the repo itself holds none.
    writeFileSync(join(r.root, "deploy", "leak-notes.md"), `aws_access_key_id = AKIA${"QYLPMN5HFIQR7XYZ"}\n`);
    const summary = await execute(r, scanStages(r.state).filter((s) => s.id === "scan-secrets"));
    expect(statusOf(summary, "scan-secrets")?.status).toBe("failed");
    expect(statusOf(summary, "scan-secrets")?.summary).toContain("secrets found");
    expect(statusOf(summary, "sync-manifests")?.status).toBe("skipped");
    expect(statusOf(summary, "sync-manifests")?.summary).toMatch(/^blocked: scan secrets failed \(secrets found/);
    expect(summary.status).toBe("failed");
  });

  it("validation of the repository's own deploy/ runs on every run and a bad manifest blocks the release", async () => {
    const r = await newRun([]);
    const file = join(r.root, "deploy/base/payment-service/deployment.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^ {2}replicas: 1$/m, '  replicas: "three"'));
    const summary = await execute(r, [validateRepositoryStage()]);
    expect(statusOf(summary, "validate")?.status).toBe("failed");
    expect(statusOf(summary, "validate")?.summary).toMatch(/finding/);
    expect(statusOf(summary, "sync-manifests")?.status).toBe("skipped");
    expect(summary.status).toBe("failed");
  });

  it("passes on the real deploy/, workflows and Dockerfiles", async () => {
    const summary = await execute({ ...(await newRun([])), root: REPO_ROOT }, [validateRepositoryStage()]);
    expect(statusOf(summary, "validate")?.status).toBe("passed");
  });
});

describe("the manifests repo takes up every change of deploy/ before the release", () => {
  it("a sync commit carries deploy/'s edits and removals and keeps the released image and holds.yaml", async () => {
    const r = await newRun([]);
    await ensureManifestsRepo(r.root, r.manifestsDir);
    const image = "ghcr.io/blessed-horizon/payment-service:sha-1234567";
    await runSetImage({ manifests: r.manifestsDir, env: "development", service: "payment-service", image }, { cwd: r.root, write: () => undefined });
    writeFileSync(join(r.manifestsDir, "holds.yaml"), "holds:\n  - environment: staging\n    service: payment-service\n    image: ghcr.io/blessed-horizon/payment-service:sha-bad0000\n");
    await run(r.manifestsDir, "add", "holds.yaml");
    await run(r.manifestsDir, "commit", "--quiet", "-m", "hold");

    // The application repo changes its base deployment and drops a file.
    const base = join(r.root, "deploy/base/payment-service/deployment.yaml");
    writeFileSync(base, readFileSync(base, "utf8").replace(/^ {2}replicas: 1$/m, "  replicas: 2"));
    rmSync(join(r.root, "deploy/README.md"));

    const summary = await execute(r, []);
    expect(statusOf(summary, "sync-manifests")?.status).toBe("passed");
    expect(statusOf(summary, "sync-manifests")?.summary).toContain("base/payment-service/deployment.yaml");
    expect(statusOf(summary, "validate-manifests")?.status).toBe("passed");
    const message = await run(r.manifestsDir, "log", "-1", "--format=%B");
    expect(message).toContain("Horizon-Action: sync");
    expect(readFileSync(join(r.manifestsDir, "base/payment-service/deployment.yaml"), "utf8")).toMatch(/^ {2}replicas: 2$/m);
    expect(await run(r.manifestsDir, "ls-files", "README.md")).toBe("");
    // What the manifests repo owns stays.
    expect(readFileSync(join(r.manifestsDir, "environments/development/payment-service/kustomization.yaml"), "utf8")).toContain('newTag: "sha-1234567"');
    expect(readFileSync(join(r.manifestsDir, "holds.yaml"), "utf8")).toContain("sha-bad0000");
    // A second run has nothing to take up.
    const again = await execute(r, []);
    expect(statusOf(again, "sync-manifests")?.summary).toContain("already holds deploy/");
  });
});

describe("the dependency audit stage", () => {
  /** A stand-in for npm on PATH that answers `npm audit --json` as the registry would, so the test needs no network. */
  function fakeNpm(auditJson: string): void {
    const bin = tempDir("fake-npm");
    dirs.push(bin);
    writeFileSync(join(bin, "npm"), `#!/bin/sh\ncat <<'EOF'\n${auditJson}\nEOF\n`);
    chmodSync(join(bin, "npm"), 0o755);
    process.env.PATH = `${bin}:${savedPath ?? ""}`;
  }
  const advisories = JSON.stringify({ metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 0, critical: 0, total: 1 } } });
  const auditStage = (state: PipelineState) => scanStages(state).filter((s) => s.id === "scan-deps");

  it("passes with the audit as the gate's evidence", async () => {
    fakeNpm(advisories);
    const r = await newRun();
    const summary = await execute(r, auditStage(r.state));
    expect(statusOf(summary, "scan-deps")?.status).toBe("passed");
    expect(r.state.evidence.audit).toBe("audit.json");
  });

  it("warns without advisories (exit 3: no network), so an offline laptop still releases", async () => {
    fakeNpm(JSON.stringify({ error: { code: "ENOTFOUND", summary: "request to the registry failed" } }));
    const r = await newRun();
    const summary = await execute(r, auditStage(r.state));
    expect(statusOf(summary, "scan-deps")?.status).toBe("warning");
    expect(statusOf(summary, "release")?.status).toBe("passed");
  });

  it("fails, and blocks the release, when horizon scan deps exits with any other error (here 2: cannot write the evidence)", async () => {
    fakeNpm(advisories);
    const r = await newRun();
    mkdirSync(join(r.runDir, "audit.json", "in-the-way"), { recursive: true });
    const summary = await execute(r, auditStage(r.state));
    expect(statusOf(summary, "scan-deps")?.status).toBe("failed");
    expect(statusOf(summary, "scan-deps")?.summary).toContain("exited 2");
    expect(statusOf(summary, "release")?.status).toBe("skipped");
    expect(r.state.evidence.audit).toBeUndefined();
  });
});

describe("horizon pipeline refuses load-test options that cannot produce evidence, before anything runs", () => {
  it.each([
    [{ loadDuration: "0s" }, "--load-duration 0s"],
    [{ loadDuration: "0ms" }, "--load-duration 0ms"],
    [{ loadDuration: "-5s" }, "--load-duration -5s"],
    [{ connections: "0" }, "--connections 0"],
    [{ connections: "-3" }, "--connections -3"],
    [{ connections: "2.5" }, "--connections 2.5"],
  ])("%o", async (options, named) => {
    // Not a git repository: had the options passed, the run would stop on that instead.
    const cwd = tempDir("pipeline-options");
    dirs.push(cwd);
    const error: unknown = await runPipeline(options, { cwd, write: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(named);
  });
});
