import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, run, tempDir, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { runSetImage } from "../commands/release/set-image.js";
import type { RunSummary } from "../pipeline/types.js";
import { gatherDashboard } from "./gather.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const dirs: string[] = [];
let manifests = "";

/** Deploys placed on chosen days (git takes the commit time from the environment). */
async function deploy(iso: string, env: string, service: string, tag: string): Promise<void> {
  process.env.GIT_COMMITTER_DATE = iso;
  process.env.GIT_AUTHOR_DATE = iso;
  try {
    await runSetImage({ manifests, env, service, image: `ghcr.io/blessed-horizon/${service}:${tag}` }, { cwd: "/", write: () => undefined });
  } finally {
    delete process.env.GIT_COMMITTER_DATE;
    delete process.env.GIT_AUTHOR_DATE;
  }
}

beforeAll(async () => {
  useTestGitEnv();
  manifests = await createManifestsRepo("kustomize");
  dirs.push(manifests);
  // Staging is busiest; production has none. One staging deploy is old (July).
  await deploy("2026-07-01T10:00:00Z", "staging", "campaign-service", "sha-old0001");
  await deploy("2026-11-24T10:00:00Z", "staging", "campaign-service", "sha-aaaa001");
  await deploy("2026-11-25T10:00:00Z", "staging", "payment-service", "sha-bbbb001");
  await deploy("2026-11-25T11:00:00Z", "development", "payment-service", "sha-cccc001");
}, 60_000);
afterAll(() => removeAll(...dirs));

describe("gatherDashboard", () => {
  it("without production deployments, measures DORA on the busiest environment, within the window", async () => {
    const data = await gatherDashboard({ manifestsDir: manifests, sinceDays: 30, now: NOW });
    expect(data.dora?.environment).toBe("staging");
    expect(data.dora?.window).toBe("last 30 days");
    expect(data.dora?.metrics[0]?.detail).toBe("2 deployments on 2 days");
    expect(data.dora?.deploysPerDay).toEqual([
      { date: "2026-11-24", value: 1 },
      { date: "2026-11-25", value: 1 },
      { date: "2026-11-26", value: 0 },
    ]);
  });

  it("a longer window takes in the older deployment and a bar for every day since", async () => {
    const data = await gatherDashboard({ manifestsDir: manifests, sinceDays: 180, now: NOW });
    expect(data.dora?.metrics[0]?.detail).toBe("3 deployments on 3 days");
    expect(data.dora?.deploysPerDay[0]).toEqual({ date: "2026-07-01", value: 1 });
    expect(data.dora?.deploysPerDay).toHaveLength(149);
  });

  it("measures the environment the user names", async () => {
    const data = await gatherDashboard({ manifestsDir: manifests, environment: "development", now: NOW });
    expect(data.dora?.environment).toBe("development");
    expect(data.dora?.metrics[0]?.detail).toBe("1 deployment on 1 day");
  });

  it("shows every environment and service the repo has, with what it runs now", async () => {
    const data = await gatherDashboard({ manifestsDir: manifests, now: NOW });
    const cell = (env: string, service: string) => data.deployments.find((d) => d.environment === env && d.service === service);
    expect(data.deployments).toHaveLength(6);
    expect(cell("staging", "campaign-service")).toMatchObject({ image: "ghcr.io/blessed-horizon/campaign-service:sha-aaaa001", deployedAt: "2026-11-24T10:00:00Z".replace("Z", "+00:00") });
    // What production runs came with the first commit, made without horizon.
    expect(cell("production", "campaign-service")).toMatchObject({ managed: false, deployedAt: expect.any(String) as string });
    expect(data.history.filter((h) => h.managed).map((h) => h.images[0]?.split(":")[1])).toEqual(["sha-cccc001", "sha-bbbb001", "sha-aaaa001", "sha-old0001"]);
  });

  it("a folder that is not a git repository gives no deployments, no history and no DORA, rather than an error", async () => {
    const notRepo = tempDir("not-a-repo");
    dirs.push(notRepo);
    const data = await gatherDashboard({ manifestsDir: notRepo, now: NOW });
    expect(data).toMatchObject({ deployments: [], history: [] });
    expect(data.dora).toBeUndefined();
  });

  it("reads the run and every gate check from the run folder, an interrupted run showing as not passed", async () => {
    const runDir = tempDir("gather-run");
    dirs.push(runDir);
    const summary: RunSummary = { runId: "r9", startedAt: "2026-11-26T06:00:00Z", durationMs: 5000, status: "interrupted", services: ["a"], stages: [] };
    writeFileSync(join(runDir, "summary.json"), JSON.stringify(summary));
    mkdirSync(join(runDir, "gates"));
    const gate = { status: "pass", gates: [{ gate: "code_coverage", required: true, status: "pass", checks: [{ check: "line_coverage", status: "pass", actual: 91.25, threshold: 80, unit: "%", bound: "min", message: "ok" }] }] };
    writeFileSync(join(runDir, "gates/a.json"), JSON.stringify(gate));
    const data = await gatherDashboard({ runDir, now: NOW });
    expect(data.run?.status).not.toBe("passed");
    expect(data.gates).toEqual([{ services: ["a"], shared: false, gate: "code_coverage.line_coverage", status: "pass", actual: "91.25%", threshold: "≥ 80%", message: "ok" }]);
  });
});

describe("gatherDashboard, for the people who read it (issue 14)", () => {
  /** A repo whose first commit is on 2026-11-10, with a horizon deploy, a hand edit and a -wip image. */
  async function youngRepo(): Promise<string> {
    const at = (iso: string): void => {
      process.env.GIT_COMMITTER_DATE = iso;
      process.env.GIT_AUTHOR_DATE = iso;
    };
    try {
      at("2026-11-10T09:00:00Z");
      const dir = await createManifestsRepo("kustomize");
      dirs.push(dir);
      at("2026-11-20T10:00:00Z");
      await runSetImage({ manifests: dir, env: "staging", service: "campaign-service", image: "ghcr.io/blessed-horizon/campaign-service:0123456789ab-wip.run-7" }, { cwd: "/", write: () => undefined });
      // A hand edit of production: nobody ran horizon for it.
      const file = join(dir, "environments/production/payment-service/kustomization.yaml");
      writeFileSync(file, readFileSync(file, "utf8").replace(/newTag: .*/, "newTag: hotfix-by-hand"));
      at("2026-11-21T10:00:00Z");
      await run(dir, "commit", "--quiet", "-am", "hotfix by hand");
      return dir;
    } finally {
      delete process.env.GIT_COMMITTER_DATE;
      delete process.env.GIT_AUTHOR_DATE;
    }
  }

  it("clips the DORA window to the repository's age and says so", async () => {
    const dir = await youngRepo();
    const data = await gatherDashboard({ manifestsDir: dir, environment: "staging", sinceDays: 90, now: NOW });
    expect(data.dora?.window).toBe("since 2026-11-10, the repository's first commit (asked: last 90 days)");
    // The first commit put staging's images there: the first bar, and none before the repository existed.
    expect(data.dora?.deploysPerDay[0]).toEqual({ date: "2026-11-10", value: 2 });
    expect(data.dora?.deploysPerDay).toHaveLength(17);
  });

  it("marks changes made without horizon in the history and in the environment cell", async () => {
    const dir = await youngRepo();
    const data = await gatherDashboard({ manifestsDir: dir, now: NOW });
    const hand = data.history.find((h) => h.images.includes("ghcr.io/blessed-horizon/payment-service:hotfix-by-hand"));
    expect(hand).toMatchObject({ action: "unmanaged change", managed: false, environment: "production", services: ["payment-service"] });
    const cell = data.deployments.find((d) => d.environment === "production" && d.service === "payment-service");
    expect(cell).toMatchObject({ image: "ghcr.io/blessed-horizon/payment-service:hotfix-by-hand", managed: false, deployedAt: "2026-11-21T10:00:00+00:00" });
    const managedCell = data.deployments.find((d) => d.environment === "staging" && d.service === "campaign-service");
    expect(managedCell).toMatchObject({ managed: true, wip: true });
  });

  it("lists one history row per commit and environment, so an environment-wide commit does not hide the others", async () => {
    const dir = await youngRepo();
    const data = await gatherDashboard({ manifestsDir: dir, now: NOW });
    // The first commit wrote every environment's manifests: one row for each, all of its services.
    const first = data.history.filter((h) => h.time.startsWith("2026-11-10"));
    expect(first.map((h) => h.environment).sort()).toEqual(["development", "production", "staging"]);
    expect(first.every((h) => h.services.length === 2 && !h.managed)).toBe(true);
  });

  it("shows evidence every service shares once, and each service's own evidence per service", async () => {
    const runDir = tempDir("gather-shared");
    dirs.push(runDir);
    const summary: RunSummary = { runId: "r1", startedAt: "2026-11-26T06:00:00Z", durationMs: 5000, status: "passed", services: ["a", "b"], stages: [] };
    writeFileSync(join(runDir, "summary.json"), JSON.stringify(summary));
    mkdirSync(join(runDir, "gates"));
    const report = (coverage: number) => ({
      status: "pass",
      gates: [
        { gate: "code_coverage", required: true, status: "pass", checks: [{ check: "line_coverage", status: "pass", actual: coverage, threshold: 80, unit: "%", bound: "min", message: `line coverage ${coverage}%` }] },
        { gate: "security_vulnerabilities", required: true, status: "pass", checks: [{ check: "critical", status: "pass", actual: 0, threshold: 0, unit: "count", bound: "max", message: "0 critical" }] },
      ],
    });
    writeFileSync(join(runDir, "gates/a.json"), JSON.stringify(report(91)));
    writeFileSync(join(runDir, "gates/b.json"), JSON.stringify(report(91)));
    const data = await gatherDashboard({ runDir, now: NOW });
    expect(data.gates.map((g) => [g.services.join(" "), g.gate, g.shared])).toEqual([
      ["a", "code_coverage.line_coverage", false],
      ["b", "code_coverage.line_coverage", false],
      ["a b", "security_vulnerabilities.critical", true],
    ]);
  });

  it("lists the earlier runs newest first, each linking to its own dashboard", async () => {
    const runs = tempDir("gather-runs");
    dirs.push(runs);
    const write = (runId: string, status: RunSummary["status"], dashboard: boolean): string => {
      const dir = join(runs, runId);
      mkdirSync(dir);
      const summary: RunSummary = { runId, startedAt: `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T06:00:00Z`, durationMs: 61_000, status, services: ["a"], stages: [] };
      writeFileSync(join(dir, "summary.json"), JSON.stringify(summary));
      if (dashboard) writeFileSync(join(dir, "dashboard.html"), "<!doctype html>");
      return dir;
    };
    write("20261124T060000Z-aaaa", "passed", true);
    write("20261125T060000Z-bbbb", "interrupted", false);
    const current = write("20261126T060000Z-cccc", "failed", true);
    mkdirSync(join(runs, "not-a-run"));
    const data = await gatherDashboard({ runDir: current, runsDir: runs, pageDir: current, now: NOW });
    expect(data.runs.map((r) => [r.runId, r.status, r.href ?? null, r.current])).toEqual([
      ["20261126T060000Z-cccc", "failed", "dashboard.html", true],
      ["20261125T060000Z-bbbb", "interrupted", null, false],
      ["20261124T060000Z-aaaa", "passed", "../20261124T060000Z-aaaa/dashboard.html", false],
    ]);
  });

  it("links each stage to its log, JUnit and coverage files, relative to where the page is written", async () => {
    const runDir = tempDir("gather-links");
    dirs.push(runDir);
    for (const file of ["logs/test-a.log", "coverage/a.lcov", "junit/a.xml"]) {
      mkdirSync(join(runDir, file, ".."), { recursive: true });
      writeFileSync(join(runDir, file), "x");
    }
    const stage = { id: "test-a", title: "unit tests", service: "a", startedAt: "2026-11-26T06:00:00Z", durationMs: 10, status: "passed" as const, summary: "ok", log: "logs/test-a.log" };
    const summary: RunSummary = {
      runId: "r2",
      startedAt: "2026-11-26T06:00:00Z",
      durationMs: 10,
      status: "passed",
      services: ["a"],
      // gone.xml was listed but never written: no link to a missing file.
      stages: [{ ...stage, artifacts: ["coverage/a.lcov", "junit/a.xml", "junit/gone.xml"] }],
    };
    writeFileSync(join(runDir, "summary.json"), JSON.stringify(summary));
    const here = await gatherDashboard({ runDir, pageDir: runDir, now: NOW });
    expect(here.run?.stages[0]?.links).toEqual([
      { label: "log", href: "logs/test-a.log" },
      { label: "coverage", href: "coverage/a.lcov" },
      { label: "JUnit", href: "junit/a.xml" },
    ]);
    const elsewhere = await gatherDashboard({ runDir, pageDir: join(runDir, "site"), now: NOW });
    expect(elsewhere.run?.stages[0]?.links?.[0]).toEqual({ label: "log", href: "../logs/test-a.log" });
  });
});
