import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, run, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import type { FixtureLayout } from "../../test/fixtures/manifests-helpers/repo.js";
import { readAuditTrail } from "./release-log.js";
import { formatReleaseMessage } from "./trailers.js";

const dirs: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...dirs));

const FILES: Record<FixtureLayout, string> = { kustomize: "kustomization.yaml", plain: "deployment.yaml" };

describe("readAuditTrail: the image a hand edit left", () => {
  it.each(["kustomize", "plain"] as const)("%s layout: the image before and after, read from the commit's files", async (layout) => {
    const repo = await createManifestsRepo(layout);
    dirs.push(repo);
    const file = join(repo, "environments/production/payment-service", FILES[layout]);
    const text = readFileSync(file, "utf8");
    const edited = layout === "kustomize" ? text.replace(/newTag: .*/, "newTag: hotfix-by-hand") : text.replace("payment-service:sha-0000000", "payment-service:hotfix-by-hand");
    expect(edited).not.toBe(text);
    writeFileSync(file, edited);
    await run(repo, "commit", "--quiet", "-am", "hotfix by hand");
    const { unmanaged } = await readAuditTrail(repo);
    const hand = unmanaged.filter((u) => u.subject === "hotfix by hand");
    expect(hand).toHaveLength(1);
    expect(hand[0]).toMatchObject({ environment: "production", service: "payment-service", image: "ghcr.io/blessed-horizon/payment-service:hotfix-by-hand" });
    expect(hand[0]?.previousImage).toMatch(/^ghcr\.io\/blessed-horizon\/payment-service:/);
    expect(hand[0]?.previousImage).not.toBe(hand[0]?.image);
  });
});

describe("readAuditTrail for one environment (dora --env, history --env, promotion's source)", () => {
  it("gives that environment's records and hand edits exactly as the whole trail has them, and no other's", async () => {
    const repo = await createManifestsRepo("kustomize");
    dirs.push(repo);
    for (const environment of ["staging", "production"]) {
      const release = { action: "hold" as const, environment, services: [{ service: "payment-service", image: "ghcr.io/blessed-horizon/payment-service:sha-0000000" }], rollsBack: [] };
      await run(repo, "commit", "--quiet", "--allow-empty", "-m", formatReleaseMessage(`hold(${environment})`, [], release));
      const file = join(repo, "environments", environment, "payment-service", "kustomization.yaml");
      writeFileSync(file, readFileSync(file, "utf8").replace(/newTag: .*/, `newTag: by-hand-${environment}`));
      await run(repo, "commit", "--quiet", "-am", `hand edit of ${environment}`);
    }
    const whole = await readAuditTrail(repo);
    const production = await readAuditTrail(repo, { environment: "production" });
    expect(whole.releases.map((r) => r.environment).sort()).toEqual(["production", "staging"]);
    expect(production.releases).toEqual(whole.releases.filter((r) => r.environment === "production"));
    expect(production.unmanaged).toEqual(whole.unmanaged.filter((u) => u.environment === "production"));
    expect(production.unmanaged.map((u) => u.subject)).toContain("hand edit of production");
  });
});

describe("readAuditTrail: what a hand edit of base/ deploys", () => {
  it("a change of base/<service>/ is a change of that service in every environment", async () => {
    const repo = await createManifestsRepo("kustomize");
    dirs.push(repo);
    const file = join(repo, "base", "payment-service", "deployment.yaml");
    writeFileSync(file, `${readFileSync(file, "utf8")}# tuned by hand\n`);
    await run(repo, "commit", "--quiet", "-am", "base tuned by hand");
    const { unmanaged } = await readAuditTrail(repo);
    const hand = unmanaged.filter((u) => u.subject === "base tuned by hand");
    expect(hand.map((u) => `${u.environment} ${u.service}`).sort()).toEqual(["development payment-service", "production payment-service", "staging payment-service"]);
  });
});

describe("readAuditTrail: a manifest removed by hand", () => {
  it("leaves no image after and the one before", async () => {
    const repo = await createManifestsRepo("kustomize");
    dirs.push(repo);
    await run(repo, "rm", "--quiet", "environments/production/payment-service/kustomization.yaml");
    await run(repo, "commit", "--quiet", "-m", "payment-service removed by hand");
    const { unmanaged } = await readAuditTrail(repo);
    const hand = unmanaged.filter((u) => u.subject === "payment-service removed by hand");
    expect(hand).toHaveLength(1);
    expect(hand[0]).toMatchObject({ environment: "production", service: "payment-service" });
    expect(hand[0]?.image).toBeUndefined();
    expect(hand[0]?.previousImage).toMatch(/^ghcr\.io\/blessed-horizon\/payment-service:/);
  });
});
