import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, tempDir, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
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
    expect(cell("production", "campaign-service")?.deployedAt).toBeUndefined();
    expect(data.history.map((h) => h.images[0]?.split(":")[1])).toEqual(["sha-cccc001", "sha-bbbb001", "sha-aaaa001", "sha-old0001"]);
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
    const gate = { gates: [{ gate: "code_coverage", status: "pass", checks: [{ check: "line_coverage", status: "pass", actual: 91.25, threshold: 80, unit: "%", bound: "min", message: "ok" }] }] };
    writeFileSync(join(runDir, "gates/a.json"), JSON.stringify(gate));
    const data = await gatherDashboard({ runDir, now: NOW });
    expect(data.run?.status).not.toBe("passed");
    expect(data.gates).toEqual([{ service: "a", gate: "code_coverage.line_coverage", status: "pass", actual: "91.25%", threshold: "≥ 80%", message: "ok" }]);
  });
});
