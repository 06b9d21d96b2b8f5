import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, run, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { runSetImage } from "../commands/release/set-image.js";
import { findExecutable } from "../io/process.js";
import { changedObjects, renderedObjects, renderEnvironmentDiff, trimToLimit } from "./rendered-diff.js";

// Issue 15.4: a promotion plan shows what changes in the cluster, rendered as Argo CD renders it (kubectl kustomize).

const kubectl = await findExecutable("kubectl");
const dirs: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("changed objects of two renders", () => {
  it("names added, removed and changed objects and leaves the rest out", () => {
    const before = renderedObjects("kind: Service\nmetadata: {name: a, namespace: x}\n---\nkind: ConfigMap\nmetadata: {name: gone}\n---\nkind: Deployment\nmetadata: {name: same}\n");
    const after = renderedObjects("kind: Service\nmetadata: {name: a, namespace: x}\nspec: {port: 1}\n---\nkind: Deployment\nmetadata: {name: same}\n---\nkind: Job\nmetadata: {name: new}\n");
    expect(changedObjects(before, after)).toEqual([
      { object: "ConfigMap/gone", change: "removed" },
      { object: "Job/new", change: "added" },
      { object: "Service/x/a", change: "changed" },
    ]);
  });
});

describe.skipIf(!kubectl)("rendered diff of deploy/ (needs kubectl with kustomize)", () => {
  it("a new payment-service image in production changes only the objects that carry it", async () => {
    const root = mkdtempSync(join(tmpdir(), "horizon-rendered-"));
    dirs.push(root);
    cpSync(join(REPO_ROOT, "deploy"), root, { recursive: true });
    await run(root, "init", "--quiet", "--initial-branch=main");
    await run(root, "add", ".");
    await run(root, "commit", "--quiet", "-m", "manifests from deploy/");
    const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon/payment-service:1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c";
    const outcome = await runSetImage({ manifests: root, env: "production", service: "payment-service", image, dryRun: true }, { cwd: "/", write: () => undefined });
    const diff = await renderEnvironmentDiff(root, "production", outcome.plan?.edits ?? [], kubectl ?? "kubectl");
    const objects = diff.changes.map((c) => c.object);
    expect(objects.some((o) => o.startsWith("Deployment/") && o.endsWith("/payment-service"))).toBe(true);
    // Nothing of the other three services moves.
    expect(objects.filter((o) => /campaign|notification|trust/.test(o))).toEqual([]);
    expect(diff.diff).toMatch(/^\+\s+image: \S+payment-service:1f2e3d4c/m);
    expect(diff.diff).not.toMatch(/^index /m);
  });
});

describe("trimming to GitHub's limit", () => {
  it("keeps whole lines and says where the full plan is", () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `line ${i}`).join("\n");
    const trimmed = trimToLimit(text, 65_536, "the full plan is the workflow's promotion-plan artifact");
    expect(trimmed.length).toBeLessThanOrEqual(65_536);
    expect(trimmed).toContain("trimmed to fit 65,536 characters: the full plan is the workflow's promotion-plan artifact");
    expect(trimmed.split("\n")[0]).toBe("line 0");
    expect(trimToLimit("short", 65_536, "x")).toBe("short");
  });
});
