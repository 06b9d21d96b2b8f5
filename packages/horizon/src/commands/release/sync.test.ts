import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRepo, removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { horizonCli } from "../../../test/fixtures/cli.js";
import { ensureManifestsRepo } from "../../pipeline/manifests-repo.js";

// Issue 12, item 6: changes of deploy/ (base/, environment config, argocd/, monitoring/) reach the
// manifests repo only through a sync (CONTRACTS.md "Who owns what"); `horizon release sync` runs it.
let app = "";
let manifests = "";
let manifestsParent = "";
let out = "";
let err = "";
const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon/campaign-service:4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const HPA = "deploy/base/campaign-service/hpa.yaml";

beforeAll(async () => {
  useTestGitEnv();
  app = await createAppRepo("sync-app");
  manifestsParent = tempDir("sync-manifests");
  manifests = join(manifestsParent, "k8s-manifests");
  await ensureManifestsRepo(app, manifests);
});
afterAll(() => removeAll(app, manifestsParent));

async function horizon(...args: string[]): Promise<number> {
  const r = await horizonCli(...args);
  out = r.stdout;
  err = r.stderr;
  return r.code;
}

describe("horizon release sync", () => {
  it("carries a change of deploy/base into the manifests repo as one sync commit, keeping the image the manifests repo runs", async () => {
    expect(await horizon("release", "set-image", "--manifests", manifests, "--env", "development", "--service", "campaign-service", "--image", image)).toBe(0);
    const hpa = readFileSync(join(app, HPA), "utf8");
    writeFileSync(join(app, HPA), `# scaled on CPU only\n${hpa}`);
    await run(app, "commit", "--quiet", "-am", "campaign-service: comment the HPA");
    const head = await run(app, "rev-parse", "HEAD");

    expect(await horizon("release", "sync", "--manifests", manifests, "--from", app, "--json"), err).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ status: "committed", sourceCommit: head, changed: ["base/campaign-service/hpa.yaml"], removed: [] });
    expect(readFileSync(join(manifests, "base/campaign-service/hpa.yaml"), "utf8")).toBe(readFileSync(join(app, HPA), "utf8"));
    expect(readFileSync(join(manifests, "environments/development/campaign-service/kustomization.yaml"), "utf8")).toContain("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    expect(await run(manifests, "log", "-1", "--format=%(trailers:key=Horizon-Action,valueonly)%(trailers:key=Horizon-Source-Commit,valueonly)")).toBe(`sync\ndeploy ${head}`);
  });

  it("a second sync of the same deploy/ commits nothing and says so", async () => {
    const before = await run(manifests, "rev-parse", "HEAD");
    expect(await horizon("release", "sync", "--manifests", manifests, "--from", app)).toBe(0);
    expect(out).toMatch(/^nothing to sync: the manifests repository already has deploy\/ of [0-9a-f]{12}\n$/);
    expect(await run(manifests, "rev-parse", "HEAD")).toBe(before);
  });

  it("bad input exits 2 and names it: no deploy/ in --from, a --source-commit that is no hash", async () => {
    const empty = tempDir("sync-empty");
    try {
      expect(await horizon("release", "sync", "--manifests", manifests, "--from", empty)).toBe(2);
      expect(err).toContain(`${empty} has no deploy/ folder`);
      expect(await horizon("release", "sync", "--manifests", manifests, "--from", app, "--source-commit", "main")).toBe(2);
      expect(err).toContain('--source-commit "main" is not a commit hash');
      expect(err).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      removeAll(empty);
    }
  });
});
