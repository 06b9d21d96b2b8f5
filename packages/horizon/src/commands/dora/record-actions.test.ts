import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitAllAt } from "../../../test/fixtures/manifests-helpers/dora-repos.js";
import { createManifestsRepo, removeAll, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { runHistory } from "../release/history.js";
import type { CommandContext } from "../cli-support.js";
import { runDora } from "./index.js";

// Issue 14, item 5: the actions of CONTRACTS.md's trailer list (sync, flag, hold, freeze, unfreeze, break-glass) are
// read back, and a sync, which changes base/, is a deployment of the services whose files it changed.
let dir = "";
let sync = "";
let freeze = "";
const context: CommandContext = { cwd: "/", write: () => undefined, now: () => new Date("2026-03-30T00:00:00Z") };

const commitAt = (iso: string, message: string): Promise<string> => commitAllAt(dir, iso, message);

beforeAll(async () => {
  useTestGitEnv();
  dir = await createManifestsRepo("kustomize");
  // What `horizon pipeline` writes when it carries deploy/ over (pipeline/manifests-repo.ts): no environment, no services.
  appendFileSync(join(dir, "base/payment-service/deployment.yaml"), "# resources raised\n");
  sync = await commitAt("2026-03-10T10:00:00Z", `Sync deploy/ into the manifests repository (1 file)\n\nHorizon-Action: sync\nHorizon-Source-Commit: deploy ${"a".repeat(40)}\n`);
  writeFileSync(join(dir, "promotion-policy.yaml"), "freezes: []\n");
  freeze = await commitAt("2026-03-11T10:00:00Z", "freeze(production): incident\n\nHorizon-Action: freeze\nHorizon-Environment: production\n");
  await commitAt("2026-03-12T10:00:00Z", "hold(production): payment-service v9\n\nHorizon-Action: hold\nHorizon-Environment: production\nHorizon-Service: payment-service ghcr.io/blessed-horizon/payment-service:v9\n");
  await commitAt("2026-03-13T10:00:00Z", "flag(production)\n\nHorizon-Action: flag\nHorizon-Environment: production\nHorizon-Break-Glass: outage\n");
}, 60_000);
afterAll(() => removeAll(dir));

describe("the record knows every action of CONTRACTS.md's trailer list", () => {
  it("history shows a sync of base/ as a managed deployment of that service in every environment, with the deploy/ commit", async () => {
    const entries = await runHistory({ manifests: dir, since: "60d", json: true }, context);
    const synced = entries.filter((e) => e.commit === sync);
    expect(synced.map((e) => [e.environment, e.service, e.action, e.managed]).sort()).toEqual([
      ["development", "payment-service", "sync", true],
      ["production", "payment-service", "sync", true],
      ["staging", "payment-service", "sync", true],
    ]);
    expect(synced[0]?.sourceCommit).toBe("a".repeat(40));
    expect(entries.some((e) => e.commit === sync && !e.managed)).toBe(false);
  });

  it("history shows freeze, hold and flag records; an action on a whole environment is service *", async () => {
    const entries = await runHistory({ manifests: dir, env: "production", since: "60d", json: true }, context);
    const actions = entries.filter((e) => e.managed && e.action !== "sync").map((e) => [e.action, e.service, e.breakGlass]);
    expect(actions).toEqual([
      ["flag", "*", "outage"],
      ["hold", "payment-service", null],
      ["freeze", "*", null],
    ]);
    expect(entries.find((e) => e.commit === freeze)?.image).toBeNull();
  });

  it("dora counts the sync as a deployment of production's payment-service, and nothing else", async () => {
    const report = await runDora({ manifests: dir, env: "production", since: "60d" }, context);
    expect(report.deploymentFrequency.deployments).toBe(1);
  });
});
