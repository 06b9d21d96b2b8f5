import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, rejection, removeAll, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode } from "../../errors.js";
import { runSetImage } from "../release/set-image.js";
import type { CommandContext } from "../cli-support.js";
import { runDora } from "./index.js";
import { atTime, createSourceRepo, MONOREPO_FILES } from "../../../test/fixtures/manifests-helpers/dora-repos.js";

// Issue 14, case 3: lead time over every commit of the release, not one source commit per image.
const HOUR = 3600;
let manifests = "";
let source = "";
let output = "";
const now = () => new Date("2026-03-30T00:00:00Z");
const at = (cwd: string): CommandContext => ({ cwd, write: (t) => void (output += t), now });

const deploy = (iso: string, service: string, tag: string, sha: string, sourceTime: string) =>
  atTime(iso, () => runSetImage({ manifests, env: "production", service, image: `ghcr.io/blessed-horizon/${service}:${tag}`, sourceSha: sha, sourceTime }, at("/")));

/**
 * Source commits (window 2026-03-02 .. 03-30):
 *   c0 03-01 00:00 the workspaces                 deployed to payment 03-01 12:00, before the window
 *   c1 03-02 10:00 services/payment-service       payment's release of 03-05 10:00: 72 h
 *   c2 03-03 12:00 services/campaign-service      not payment's
 *   c3 03-04 08:00 packages/contracts             payment depends on it: 26 h
 *   c4 03-04 09:00 docs/notes.md                  affects no build (the image's recorded source commit)
 *   c5 03-06 10:00 services/payment-service       payment 03-06 12:00: 2 h; campaign's first deployment ever 03-07 10:00: 24 h
 * Pairs {72, 26, 2, 24} h: median 25 h. One recorded source commit per image would give {25, 2, 24}: 24 h.
 */
beforeAll(async () => {
  useTestGitEnv();
  manifests = await createManifestsRepo("kustomize");
  const repo = await createSourceRepo();
  source = repo.dir;
  const c0 = await repo.commit("2026-03-01T00:00:00Z", MONOREPO_FILES);
  await repo.commit("2026-03-02T10:00:00Z", { "services/payment-service/src/a.ts": "1\n" });
  await repo.commit("2026-03-03T12:00:00Z", { "services/campaign-service/src/b.ts": "1\n" });
  await repo.commit("2026-03-04T08:00:00Z", { "packages/contracts/x.ts": "1\n" });
  const c4 = await repo.commit("2026-03-04T09:00:00Z", { "docs/notes.md": "1\n" });
  const c5 = await repo.commit("2026-03-06T10:00:00Z", { "services/payment-service/src/a.ts": "2\n" });
  await deploy("2026-03-01T12:00:00Z", "payment-service", "v0", c0, "2026-03-01T00:00:00Z");
  await deploy("2026-03-05T10:00:00Z", "payment-service", "v1", c4, "2026-03-04T09:00:00Z");
  await deploy("2026-03-06T12:00:00Z", "payment-service", "v2", c5, "2026-03-06T10:00:00Z");
  await deploy("2026-03-07T10:00:00Z", "campaign-service", "v1", c5, "2026-03-06T10:00:00Z");
}, 60_000);
afterAll(() => removeAll(manifests, source));

describe("lead time over every commit of the release (issue 14, case 3)", () => {
  it("--source: the median over (deployment, commit) pairs of the commits that affect each service's build", async () => {
    output = "";
    const report = await runDora({ manifests, env: "production", since: "28d", source }, at("/"));
    expect(report.leadTime).toMatchObject({ samples: 4, medianSeconds: 25 * HOUR, basis: "release-commits", deploymentsByCommits: 3 });
    expect(output).toMatch(/lead time for changes 1\.0 d median of 4 \(deployment, commit\) pairs, over every commit of the release \(source repository /);
  });

  it("defaults to the current repository when it holds the recorded source commits", async () => {
    const report = await runDora({ manifests, env: "production", since: "28d", json: true }, at(source));
    expect(report.leadTime).toMatchObject({ samples: 4, medianSeconds: 25 * HOUR });
  });

  it("without a source repository: the recorded source commit time, and the output says so", async () => {
    output = "";
    const report = await runDora({ manifests, env: "production", since: "28d" }, at(manifests));
    expect(report.leadTime).toMatchObject({ samples: 3, medianSeconds: 24 * HOUR, basis: "recorded-source-commit" });
    expect(output).toContain("from the recorded source commit time (the current directory is not the repository the images were built from; pass --source DIR)");
  });

  it("--source that is no git repository is bad input: exit 2", async () => {
    const error = await rejection(runDora({ manifests, env: "production", since: "28d", source: "/nonexistent-source" }, at("/")));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toContain("--source /nonexistent-source");
  });
});

describe("lead time counts from a deployment long before the window (one read of the manifests history)", () => {
  let longManifests = "";
  let longSource = "";
  beforeAll(async () => {
    longManifests = await createManifestsRepo("kustomize");
    const repo = await createSourceRepo();
    longSource = repo.dir;
    const c0 = await repo.commit("2025-11-01T00:00:00Z", MONOREPO_FILES);
    await repo.commit("2026-01-15T10:00:00Z", { "services/payment-service/src/a.ts": "1\n" });
    const c2 = await repo.commit("2026-03-02T10:00:00Z", { "services/payment-service/src/a.ts": "2\n" });
    const deployLong = (iso: string, tag: string, sha: string, sourceTime: string) =>
      atTime(iso, () =>
        runSetImage({ manifests: longManifests, env: "production", service: "payment-service", image: `ghcr.io/blessed-horizon/payment-service:${tag}`, sourceSha: sha, sourceTime }, at("/")),
      );
    // 120 days before the window: further back than the window's own read of the history reaches.
    await deployLong("2025-11-01T12:00:00Z", "v0", c0, "2025-11-01T00:00:00Z");
    await deployLong("2026-03-05T10:00:00Z", "v2", c2, "2026-03-02T10:00:00Z");
  }, 60_000);
  afterAll(() => removeAll(longManifests, longSource));

  it("the window's first release brings every commit since that deployment: two (deployment, commit) pairs, not one", async () => {
    const report = await runDora({ manifests: longManifests, env: "production", since: "28d", source: longSource }, at("/"));
    // 2026-01-15 10:00 and 2026-03-02 10:00, deployed 2026-03-05 10:00: 1,176 h and 72 h.
    expect(report.leadTime).toMatchObject({ samples: 2, medianSeconds: ((1176 + 72) / 2) * HOUR, basis: "release-commits", deploymentsByCommits: 1 });
  });
});
