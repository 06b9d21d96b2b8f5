import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atTime } from "../../../test/fixtures/manifests-helpers/dora-repos.js";
import { createManifestsRepo, removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode, ExitError } from "../../errors.js";
import { runCompliance } from "../compliance/index.js";
import { runHistory } from "../release/history.js";
import { runRollback } from "../release/rollback.js";
import { runSetImage } from "../release/set-image.js";
import type { CommandContext } from "../cli-support.js";
import { runDora } from "./index.js";

const HOUR = 3600;
let dir = "";
let scratch = "";
let d5 = "";
let output = "";
const context: CommandContext = { cwd: "/", write: (t) => void (output += t), now: () => new Date("2026-03-30T00:00:00Z") };

const at = atTime;

const deploy = (iso: string, env: string, service: string, tag: string, sourceTime?: string) =>
  at(iso, () =>
    runSetImage(
      { manifests: dir, env, service, image: `ghcr.io/blessed-horizon/${service}:${tag}`, ...(sourceTime ? { sourceSha: "abcdef0", sourceTime } : {}) },
      context,
    ),
  );
const rollback = (iso: string, service: string) => at(iso, () => runRollback({ manifests: dir, env: "production", service }, context));

/**
 * The scripted history (production unless said), window 2026-03-02 .. 03-30 (4 weeks):
 *   D0 02-20 payment v0              before the window: not counted
 *   D1 03-02 10:00 payment v1  source 06:00        lead  4 h
 *   D2 03-03 12:00 campaign v1 source 03-02 12:00  lead 24 h
 *   D3 03-05 09:00 payment v2  source 03-04 09:00  lead 24 h, rolled back 09:30 (restore 0.5 h)
 *   S  03-06 staging deploy: another environment, not counted
 *   D4 03-10 15:00 campaign v2 source 13:00        lead  2 h
 *   D5 03-17 08:00 payment v3  source 03-15 08:00  lead 48 h, incident resolved 11:00 (restore 3 h)
 *   D6 03-17 16:00 campaign v3 source 15:00        lead  1 h, rolled back 03-18 16:00 (restore 24 h)
 *   D7 03-24 10:00 payment v4  no source time
 * Deploy days 6 / 4 weeks = 1.5 (rollback days do not count); lead time median of
 * {1, 2, 4, 24, 24, 48} h = 14 h; failures 3 / 7; restore median of {0.5, 3, 24} h = 3 h.
 */
beforeAll(async () => {
  useTestGitEnv();
  dir = await createManifestsRepo("kustomize");
  scratch = tempDir("incidents");
  await deploy("2026-02-20T10:00:00Z", "production", "payment-service", "v0", "2026-02-20T09:00:00Z");
  await deploy("2026-03-02T10:00:00Z", "production", "payment-service", "v1", "2026-03-02T06:00:00Z");
  await deploy("2026-03-03T12:00:00Z", "production", "campaign-service", "v1", "2026-03-02T12:00:00Z");
  await deploy("2026-03-05T09:00:00Z", "production", "payment-service", "v2", "2026-03-04T09:00:00Z");
  await rollback("2026-03-05T09:30:00Z", "payment-service");
  await deploy("2026-03-06T09:00:00Z", "staging", "payment-service", "v3", "2026-03-06T08:00:00Z");
  await deploy("2026-03-10T15:00:00Z", "production", "campaign-service", "v2", "2026-03-10T13:00:00Z");
  await deploy("2026-03-17T08:00:00Z", "production", "payment-service", "v3", "2026-03-15T08:00:00Z");
  d5 = await run(dir, "rev-parse", "HEAD");
  await deploy("2026-03-17T16:00:00Z", "production", "campaign-service", "v3", "2026-03-17T15:00:00Z");
  await rollback("2026-03-18T16:00:00Z", "campaign-service");
  await deploy("2026-03-24T10:00:00Z", "production", "payment-service", "v4");
  writeFileSync(
    join(scratch, "incidents.json"),
    JSON.stringify([{ id: "INC-7", openedAt: "2026-03-17T09:00:00Z", resolvedAt: "2026-03-17T11:00:00Z", deployment: d5.slice(0, 10) }]),
  );
}, 120_000);
afterAll(() => removeAll(dir, scratch));

describe("horizon dora on a scripted history", () => {
  it("matches the hand-computed four keys and tiers", async () => {
    output = "";
    const report = await runDora({ manifests: dir, env: "production", since: "28d", incidents: join(scratch, "incidents.json") }, context);
    // Weeks since the first deployment in the window (2026-03-02 10:00) to now (2026-03-30 00:00): 28 days less 10 hours.
    const weeks = (28 * 24 - 10) / (7 * 24);
    expect(report.deploymentFrequency).toMatchObject({ deployments: 7, deployDays: 6, tier: "high" });
    expect(report.deploymentFrequency.weeks).toBeCloseTo(weeks, 10);
    expect(report.deploymentFrequency.deployDaysPerWeek).toBeCloseTo(6 / weeks, 10);
    expect(report.leadTime).toMatchObject({ medianSeconds: 14 * HOUR, samples: 6, tier: "elite", basis: "recorded-source-commit" });
    expect(report.changeFailureRate).toMatchObject({ rate: 3 / 7, numerator: 3, denominator: 7, tier: "low" });
    expect(report.timeToRestore).toMatchObject({ medianSeconds: 3 * HOUR, samples: 3, tier: "high" });
    expect(report.failures.map((f) => [f.service, f.causes])).toEqual([
      ["payment-service", ["rollback (manual)"]],
      ["payment-service", ["incident INC-7"]],
      ["campaign-service", ["rollback (manual)"]],
    ]);
    expect(output).toContain("change failure rate   42.9% (3/7: rolled back 2, of them canary-failed 0; linked incidents 1)  low");
    expect(output).toContain("from the recorded source commit time");
  });

  it("without the incident, only rollbacks fail deployments", async () => {
    const report = await runDora({ manifests: dir, env: "production", since: "28d", json: true }, context);
    expect(report.changeFailureRate.failed).toBe(2);
    expect(report.timeToRestore.medianSeconds).toBe((0.5 * HOUR + 24 * HOUR) / 2);
  });

  it("rejects a bad incidents file with exit 2 naming it", async () => {
    const bad = join(scratch, "bad.json");
    writeFileSync(bad, JSON.stringify([{ id: "X", openedAt: "last tuesday" }]));
    const error = await runDora({ manifests: dir, env: "production", since: "28d", incidents: bad }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).exitCode).toBe(ExitCode.Usage);
    expect((error as ExitError).message).toMatch(/bad.json is not a list of incidents.*openedAt/s);
  });
});

describe("horizon compliance", () => {
  it("reports March: deployments and rollbacks per environment, unsigned release commits, DORA", async () => {
    output = "";
    const report = await runCompliance({ manifests: dir, month: "2026-03", json: true }, context);
    const production = report.environments.find((e) => e.environment === "production");
    expect(production).toMatchObject({ deployments: 7, deployCommits: 7, rollbacks: 2 });
    expect(production?.dora.changeFailureRate.failed).toBe(2);
    expect(report.environments.find((e) => e.environment === "staging")).toMatchObject({ deployments: 1, rollbacks: 0 });
    expect(report.unsigned).toHaveLength(10);
    expect(report.unsigned.every((u) => u.signature === "N")).toBe(true);
    expect(JSON.parse(output)).toMatchObject({ month: "2026-03" });
    await expect(runCompliance({ manifests: dir, month: "2026-13" }, context)).rejects.toThrow(/not a month/);
  });
});

const repos: string[] = [];
const DAY = 86_400;
const img = (service: string, tag: string): string => `ghcr.io/blessed-horizon/${service}:${tag}`;
const PAYMENT = "environments/production/payment-service/kustomization.yaml";
const deployTo = (repo: string, iso: string, tag: string, sourceTime: string) =>
  at(iso, () =>
    runSetImage({ manifests: repo, env: "production", service: "payment-service", image: img("payment-service", tag), sourceSha: "abcdef0", sourceTime }, context),
  );
afterAll(() => removeAll(...repos));

/** A fixture manifests repo whose initial commit (itself a change horizon did not make) is from January, before the windows. */
async function manifestsRepo(): Promise<string> {
  const repo = await createManifestsRepo("kustomize");
  repos.push(repo);
  await at("2026-01-05T10:00:00Z", () => run(repo, "commit", "--quiet", "--amend", "--no-edit", "--reset-author"));
  return repo;
}

describe("a hand-edited, committed production tag (issue 14, case 1)", () => {
  let repo = "";
  let hand = "";
  beforeAll(async () => {
    repo = await manifestsRepo();
    await deployTo(repo, "2026-03-02T10:00:00Z", "v1", "2026-03-02T08:00:00Z");
    const file = join(repo, PAYMENT);
    writeFileSync(file, readFileSync(file, "utf8").replace("newTag: v1", "newTag: hotfix-by-hand"));
    await at("2026-03-10T12:00:00Z", () =>
      run(repo, "-c", "user.name=Hand Editor", "-c", "user.email=hand@example.com", "commit", "--quiet", "--author=Hand Editor <hand@example.com>", "-am", "hotfix by hand"),
    );
    hand = await run(repo, "rev-parse", "HEAD");
  }, 60_000);

  it("history shows it, unmanaged, with the image it left", async () => {
    const entries = await runHistory({ manifests: repo, env: "production", service: "payment-service", since: "28d", json: true }, context);
    const entry = entries.find((e) => e.commit === hand);
    expect(entry).toEqual({
      commit: hand,
      at: "2026-03-10T12:00:00+00:00",
      environment: "production",
      service: "payment-service",
      action: null,
      image: img("payment-service", "hotfix-by-hand"),
      previousImage: img("payment-service", "v1"),
      sourceCommit: null,
      sourceTime: null,
      author: "Hand Editor",
      signed: false,
      managed: false,
      cause: null,
      breakGlass: null,
      authorEmail: "hand@example.com",
      signature: "N",
      promotedFrom: null,
      rolledBackBy: null,
      rollsBack: null,
      flag: null,
    });
    // Newest first, the horizon deploy after it.
    expect(entries.map((e) => [e.managed, e.image])).toEqual([
      [false, img("payment-service", "hotfix-by-hand")],
      [true, img("payment-service", "v1")],
    ]);
  });

  it("dora counts it as a deployment", async () => {
    const report = await runDora({ manifests: repo, env: "production", since: "28d" }, context);
    expect(report.deploymentFrequency.deployments).toBe(2);
    expect(report.deploymentFrequency.deployDays).toBe(2);
  });

  it("compliance counts it and lists it as a finding with its author and signature", async () => {
    const report = await runCompliance({ manifests: repo, month: "2026-03" }, context);
    expect(report.environments.find((e) => e.environment === "production")).toMatchObject({ deployments: 2 });
    expect(report.unmanaged).toEqual([
      expect.objectContaining({ commit: hand, environment: "production", service: "payment-service", author: "Hand Editor", signature: "N", signed: false }),
    ]);
  });
});

describe("a production pull request merged with a merge commit (issue 14, case 2)", () => {
  let repo = "";
  let promote = "";
  let merge = "";
  beforeAll(async () => {
    repo = await manifestsRepo();
    await run(repo, "checkout", "--quiet", "-b", "release-pr");
    // The PR's commit: made 03-10, source commit 03-09.
    await deployTo(repo, "2026-03-10T09:00:00Z", "v2", "2026-03-09T09:00:00Z");
    promote = await run(repo, "rev-parse", "HEAD");
    await run(repo, "checkout", "--quiet", "main");
    // Reviewed and merged 03-14.
    await at("2026-03-14T09:00:00Z", () => run(repo, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #7 from release-pr", "release-pr"));
    merge = await run(repo, "rev-parse", "HEAD");
  }, 60_000);

  it("history dates the deployment by the merge and keeps the PR commit's trailers", async () => {
    const entries = await runHistory({ manifests: repo, env: "production", since: "28d", json: true }, context);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      commit: promote,
      at: "2026-03-14T09:00:00+00:00",
      action: "deploy",
      service: "payment-service",
      image: img("payment-service", "v2"),
      sourceTime: "2026-03-09T09:00:00.000Z",
      managed: true,
    });
    expect(entries.some((e) => e.commit === merge)).toBe(false);
  });

  it("dora's lead time runs to the merge: 5 days, not 1", async () => {
    const report = await runDora({ manifests: repo, env: "production", since: "28d" }, context);
    expect(report.deploymentFrequency.deployments).toBe(1);
    expect(report.leadTime.medianSeconds).toBe(5 * DAY);
  });

  it("a window that starts after the PR's commit but before its merge still has the release, managed", async () => {
    const report = await runDora({ manifests: repo, env: "production", since: "17d" }, context);
    expect(report.window.start).toBe("2026-03-13T00:00:00.000Z");
    expect(report.leadTime).toMatchObject({ medianSeconds: 5 * DAY, samples: 1 });
    const entries = await runHistory({ manifests: repo, env: "production", since: "17d", json: true }, context);
    expect(entries.map((e) => [e.commit, e.managed])).toEqual([[promote, true]]);
  });
});

describe("a merge that brings a horizon release and a hand edit, and a hand edit of base/", () => {
  let repo = "";
  let merge = "";
  let baseEdit = "";
  beforeAll(async () => {
    repo = await manifestsRepo();
    await run(repo, "checkout", "--quiet", "-b", "mixed-pr");
    await deployTo(repo, "2026-03-10T09:00:00Z", "v3", "2026-03-09T09:00:00Z");
    const file = join(repo, "environments/production/campaign-service/kustomization.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("newTag: sha-0000000", "newTag: by-hand-in-pr"));
    await at("2026-03-10T10:00:00Z", () => run(repo, "commit", "--quiet", "-am", "campaign by hand"));
    await run(repo, "checkout", "--quiet", "main");
    await at("2026-03-12T09:00:00Z", () => run(repo, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #8", "mixed-pr"));
    merge = await run(repo, "rev-parse", "HEAD");
    writeFileSync(join(repo, "base/payment-service/deployment.yaml"), `${readFileSync(join(repo, "base/payment-service/deployment.yaml"), "utf8")}# touched\n`);
    await at("2026-03-13T09:00:00Z", () => run(repo, "commit", "--quiet", "-am", "base by hand"));
    baseEdit = await run(repo, "rev-parse", "HEAD");
  }, 60_000);

  it("the release keeps its trailers, the hand edit is the merge's, unmanaged; base/ deploys its service everywhere", async () => {
    const entries = await runHistory({ manifests: repo, since: "28d", json: true }, context);
    expect(entries.map((e) => [e.commit === merge ? "merge" : e.commit === baseEdit ? "base" : "release", e.at.slice(0, 10), e.environment, e.service, e.managed, e.image])).toEqual([
      ["base", "2026-03-13", "development", "payment-service", false, img("payment-service", "sha-1111111")],
      ["base", "2026-03-13", "production", "payment-service", false, img("payment-service", "v3")],
      ["base", "2026-03-13", "staging", "payment-service", false, img("payment-service", "sha-1111111")],
      ["release", "2026-03-12", "production", "payment-service", true, img("payment-service", "v3")],
      ["merge", "2026-03-12", "production", "campaign-service", false, img("campaign-service", "by-hand-in-pr")],
    ]);
  });
});
