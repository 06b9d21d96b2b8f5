import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import type { ChangePlan } from "../../core/plan.js";
import { InputError } from "../../errors.js";
import { ensureManifestsRepo } from "../../pipeline/manifests-repo.js";
import { runChanged } from "../changed/index.js";
import { runSetImage } from "../release/set-image.js";
import { runPlan } from "./index.js";

/**
 * `horizon plan` (issue 11, cases 9 and 10) on a real application repo and a
 * real manifests repo whose development environment records, in its
 * Horizon-Source-Commit trailers, the commit each service was built from.
 */
const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const dirs: string[] = [];
let app = "";
let manifests = "";
const commits: Record<string, string> = {};

const pkg = (name: string, deps: Record<string, string> = {}) => JSON.stringify({ name, version: "1.0.0", dependencies: deps });

async function commit(name: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  await run(app, "add", "--all");
  await run(app, "commit", "--quiet", "-m", name);
  commits[name] = await run(app, "rev-parse", "HEAD");
  return commits[name];
}

const quiet = { write: () => undefined, warn: () => undefined };
async function plan(options: Parameters<typeof runPlan>[0]): Promise<{ plan: ChangePlan; warnings: string }> {
  let warnings = "";
  const result = await runPlan(options, { cwd: app, write: () => undefined, warn: (t) => (warnings += t) });
  return { plan: result, warnings };
}

/** Deploys `service` to development as CI's update-manifests does, built from `sha`. */
const deploy = (service: string, sha: string) =>
  runSetImage({ manifests, env: "development", service, image: `ghcr.io/blessed-horizon/${service}:${sha.slice(0, 12)}`, sourceSha: sha }, { cwd: app, ...quiet });

beforeAll(async () => {
  useTestGitEnv();
  app = tempDir("plan-app");
  dirs.push(app);
  await run(app, "init", "--quiet", "--initial-branch=main");
  cpSync(join(REPO_ROOT, "deploy"), join(app, "deploy"), { recursive: true });
  await commit("c1", {
    "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*", "services/*"] }),
    "README.md": "# app\n",
    "packages/contracts/package.json": pkg("@bh/contracts"),
    "packages/service-kit/package.json": pkg("@bh/service-kit", { "@bh/contracts": "*" }),
    "packages/horizon/package.json": pkg("@bh/horizon"),
    "services/campaign-service/package.json": pkg("@bh/campaign-service", { "@bh/service-kit": "*" }),
    "services/payment-service/package.json": pkg("@bh/payment-service", { "@bh/service-kit": "*" }),
    "services/notification-service/package.json": pkg("@bh/notification-service"),
    "services/trust-service/package.json": pkg("@bh/trust-service"),
  });
  manifests = join(tempDir("plan-manifests"), "manifests");
  dirs.push(dirname(manifests));
  await ensureManifestsRepo(app, manifests);
  for (const service of ["campaign-service", "payment-service", "notification-service", "trust-service"]) await deploy(service, commits.c1 ?? "");
});
afterAll(() => removeAll(...dirs));

describe("horizon plan", () => {
  it("a service changed in a run that was cancelled or failed is still planned after a docs-only push", async () => {
    await commit("c2", { "services/payment-service/src/app.ts": "export const fee = 2;\n" }); // CI cancelled: never deployed
    await commit("c3", { "README.md": "# app, documented\n" });
    // What ci.yml did: diff the latest push only (github.event.before = c2).
    expect(await runChanged({ base: commits.c2 ?? "" }, { cwd: app, ...quiet })).toEqual([]);
    // From what development runs, payment-service's change is not lost.
    const { plan: p } = await plan({ manifests, json: true });
    expect(p.services).toEqual(["payment-service"]);
    expect(p.base["payment-service"]).toBe(commits.c1);
    expect(p.stages.filter((s) => s.service === "payment-service").map((s) => s.id)).toEqual(["test", "build", "image"]);
    expect(p.checks).toEqual({ secrets: true, validate: false, integration: true });
  });

  it("once the service is deployed from the new commit, a docs-only change plans no service but still scans for secrets", async () => {
    await deploy("payment-service", commits.c3 ?? "");
    const { plan: p } = await plan({ manifests });
    expect(p.services).toEqual([]);
    expect(p.packages).toEqual([]);
    expect(p.stages.map((s) => s.id)).toEqual(["scan-secrets"]);
  });

  it("a change to a package runs its tests, its dependents' and every service that uses it", async () => {
    await commit("c4", { "packages/contracts/src/money.ts": "export const cents = 100;\n" });
    const { plan: p } = await plan({ manifests });
    expect(p.packages).toEqual(["contracts", "service-kit"]);
    expect(p.services).toEqual(["campaign-service", "payment-service"]);
    expect(p.stages.filter((s) => s.service === null).map((s) => s.command)).toEqual([
      "npx horizon scan secrets",
      "npm run typecheck",
      "npm run lint",
      "npm run test:ci -w packages/contracts",
      "npm run test:ci -w packages/service-kit",
      "npm run test:integration",
    ]);
  });

  it("a change to horizon itself runs horizon's tests, which no service matrix would", async () => {
    const { plan: p } = await plan({ base: commits.c4 ?? "", head: await commit("c5", { "packages/horizon/src/cli.ts": "export {};\n" }) });
    expect(p.packages).toEqual(["horizon"]);
    expect(p.services).toEqual([]);
    expect(p.stages.map((s) => s.command)).toContain("npm run test:ci -w packages/horizon");
  });

  it("a change of deploy/ turns on validation", async () => {
    const head = await commit("c6", { "deploy/base/payment-service/extra.yaml": "# note\n" });
    const { plan: p } = await plan({ base: commits.c5 ?? "", head });
    expect(p.checks.validate).toBe(true);
    expect(p.services).toEqual([]);
  });

  it("a service whose deployed commit is not in this clone is planned from the whole tree, and says so", async () => {
    await deploy("trust-service", "f".repeat(40));
    const { plan: p, warnings } = await plan({ manifests });
    expect(p.base["trust-service"]).toBeNull();
    expect(p.services).toContain("trust-service");
    expect(warnings).toContain("not in this clone");
  });

  it("without --manifests or --base every service and package is planned", async () => {
    const { plan: p, warnings } = await plan({});
    expect(p.services).toEqual(["campaign-service", "notification-service", "payment-service", "trust-service"]);
    expect(p.packages).toEqual(["contracts", "horizon", "service-kit"]);
    expect(p.checks.validate).toBe(true);
    expect(warnings).toContain("whole tree");
  });

  it("an unknown --base is exit 2, naming it", async () => {
    await expect(plan({ base: "no-such-ref" })).rejects.toBeInstanceOf(InputError);
    await expect(plan({ base: "no-such-ref" })).rejects.toThrow("--base no-such-ref");
  });
});
