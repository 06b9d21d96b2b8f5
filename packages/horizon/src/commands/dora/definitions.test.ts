import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atTime } from "../../../test/fixtures/manifests-helpers/dora-repos.js";
import { createManifestsRepo, removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { runRollback } from "../release/rollback.js";
import { runSetImage } from "../release/set-image.js";
import type { CommandContext } from "../cli-support.js";
import { runDora } from "./index.js";

// Issue 14: DORA's published definitions by default (change failure rate from rollbacks, canary failures that reached
// git and linked incidents; failed-deployment recovery time), every rate with numerator and denominator, rework rate.
let dir = "";
let scratch = "";
let output = "";
const context: CommandContext = { cwd: "/", write: (t) => void (output += t), now: () => new Date("2026-03-30T00:00:00Z") };

const deploy = (iso: string, service: string, tag: string) =>
  atTime(iso, () => runSetImage({ manifests: dir, env: "production", service, image: `ghcr.io/blessed-horizon/${service}:${tag}` }, context));
const rollback = (iso: string, service: string, cause: string) => atTime(iso, () => runRollback({ manifests: dir, env: "production", service, cause }, context));

/**
 * Production, window 2026-03-02 .. 03-30:
 *   P1 03-02 10:00 payment v1
 *   P2 03-03 10:00 payment v2   canary failed: rolled back 10:20 (--cause canary-failed)   restore 20 min
 *   P3 03-03 18:00 payment v3   7 h 40 after that rollback: rework (24 h window)
 *   C1 03-04 09:00 campaign v1  incident INC-1 names it, resolved 15:00                    restore 6 h
 *   C2 03-04 12:00 campaign v2  while C1's failure was open: rework
 *   P4 03-10 10:00 payment v4   rolled back 03-11 10:00 (--cause manual)                   restore 24 h
 *   C3 03-20 09:00 campaign v3  nothing open
 * Change failure rate 3/7 (2 rolled back, 1 of them canary-failed; 1 incident); recovery median 6 h; rework 2/7.
 */
beforeAll(async () => {
  useTestGitEnv();
  dir = await createManifestsRepo("kustomize");
  scratch = tempDir("definitions");
  await deploy("2026-03-02T10:00:00Z", "payment-service", "v1");
  await deploy("2026-03-03T10:00:00Z", "payment-service", "v2");
  await rollback("2026-03-03T10:20:00Z", "payment-service", "canary-failed");
  await deploy("2026-03-03T18:00:00Z", "payment-service", "v3");
  await deploy("2026-03-04T09:00:00Z", "campaign-service", "v1");
  const c1 = await run(dir, "rev-parse", "HEAD");
  await deploy("2026-03-04T12:00:00Z", "campaign-service", "v2");
  await deploy("2026-03-10T10:00:00Z", "payment-service", "v4");
  await rollback("2026-03-11T10:00:00Z", "payment-service", "manual");
  await deploy("2026-03-20T09:00:00Z", "campaign-service", "v3");
  writeFileSync(join(scratch, "incidents.json"), JSON.stringify([{ id: "INC-1", openedAt: "2026-03-04T10:00:00Z", resolvedAt: "2026-03-04T15:00:00Z", deployment: c1 }]));
}, 60_000);
afterAll(() => removeAll(dir, scratch));

describe("horizon dora: DORA's published definitions", () => {
  it("change failure rate from rollbacks, canary failures and linked incidents, each rate with numerator and denominator", async () => {
    output = "";
    const report = await runDora({ manifests: dir, env: "production", since: "28d", incidents: join(scratch, "incidents.json") }, context);
    expect(report.changeFailureRate).toMatchObject({ rate: 3 / 7, numerator: 3, denominator: 7, byCause: { rollback: 2, canaryFailed: 1, incident: 1 } });
    expect(report.failures.map((f) => f.causes)).toEqual([["rollback (canary-failed)"], ["incident INC-1"], ["rollback (manual)"]]);
    expect(report.timeToRestore).toMatchObject({ medianSeconds: 6 * 3600, samples: 3 });
    expect(output).toContain("definition: DORA's published one; tiers: DORA 2024, Accelerate State of DevOps Report 2024");
    expect(output).toContain("change failure rate   42.9% (3/7: rolled back 2, of them canary-failed 1; linked incidents 1)");
    expect(output).toContain("time to restore       6.0 h median of 3 (failed-deployment recovery time)");
  });

  it("rework rate: deployments while a failure was open or within the window after a rollback, over all deployments", async () => {
    output = "";
    const report = await runDora({ manifests: dir, env: "production", since: "28d", incidents: join(scratch, "incidents.json") }, context);
    expect(report.reworkRate).toEqual({ rate: 2 / 7, numerator: 2, denominator: 7, windowSeconds: 24 * 3600 });
    expect(report.rework.map((r) => [r.service, r.because.split(" ")[0]])).toEqual([
      ["payment-service", "within"],
      ["campaign-service", "after"],
    ]);
    expect(output).toContain("rework rate           28.6% (2/7 deployments made while their service had an open failure, or within 24h of a rollback)");
  });

  it("--rework-window narrows what follows a rollback; a bad one is exit 2", async () => {
    const report = await runDora({ manifests: dir, env: "production", since: "28d", incidents: join(scratch, "incidents.json"), reworkWindow: "6h", json: true }, context);
    expect(report.reworkRate).toMatchObject({ numerator: 1, denominator: 7, windowSeconds: 6 * 3600 });
    await expect(runDora({ manifests: dir, env: "production", since: "28d", reworkWindow: "soon" }, context)).rejects.toMatchObject({ exitCode: 2 });
  });

  it("frequency shows fourkeys' bucket beside the rate: weeks from Sunday, the days after the first deployment's", async () => {
    // Days 03-03 .. 03-30 in the weeks of 03-01, 03-08, 03-15, 03-22, 03-29: deploy days 2, 1, 1, 0, 0 (median 1, not
    // Daily's 3); weeks with a deployment 1, 1, 1, 0, 0 (median 1): Weekly.
    output = "";
    const report = await runDora({ manifests: dir, env: "production", since: "28d" }, context);
    expect(report.deploymentFrequency.fourkeysBucket).toBe("Weekly");
    expect(output).toContain("fourkeys bucket Weekly)");
  });

  it("--json carries every rate's numerator and denominator and the definition", async () => {
    output = "";
    await runDora({ manifests: dir, env: "production", since: "28d", json: true }, context);
    const json = JSON.parse(output) as Record<string, Record<string, unknown>>;
    expect(json.definition).toBe("dora");
    expect(json.changeFailureRate).toMatchObject({ numerator: 2, denominator: 7 });
    expect(json.reworkRate).toMatchObject({ numerator: 1, denominator: 7 });
    expect(json.presetReport).toBe("Accelerate State of DevOps Report 2024");
  });
});
