import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBareWithClones, removeAll, run, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { runSetImage } from "../commands/release/set-image.js";
import { readReleaseHistory } from "./release-log.js";

const dirs: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...dirs));

describe("set-image --push from many clones at once", () => {
  it("lands every one of ten concurrent pushes for different services: fetch, rebase, retry, never force", async () => {
    const { bare, clones } = await createBareWithClones("plain", 10);
    dirs.push(dirname(bare), ...clones.map((c) => dirname(c)));
    // Ten services, one per run, so each run edits its own file.
    const seed = clones[0];
    const template = readFileSync(join(seed, "environments/development/payment-service/deployment.yaml"), "utf8");
    for (let i = 0; i < 10; i++) {
      mkdirSync(join(seed, `environments/development/svc-${i}`));
      writeFileSync(join(seed, `environments/development/svc-${i}/deployment.yaml`), template.replaceAll("payment-service", `svc-${i}`));
    }
    await run(seed, "add", "environments");
    await run(seed, "commit", "-qm", "ten services");
    await run(seed, "push", "-q", "origin", "main");
    await Promise.all(clones.slice(1).map((c) => run(c, "pull", "-q", "--ff-only")));
    const base = await run(bare, "rev-parse", "main");

    const started = Date.now();
    const outcomes = await Promise.all(
      clones.map((clone, i) =>
        runSetImage(
          { manifests: clone, env: "development", service: `svc-${i}`, image: `ghcr.io/blessed-horizon/svc-${i}:v2.0.${i}`, push: true },
          { cwd: "/", write: () => undefined },
        ),
      ),
    );
    expect(outcomes.every((o) => o.status === "committed" && o.push)).toBe(true);
    const landed = await readReleaseHistory(bare);
    expect(landed.map((r) => r.services[0]?.service).sort()).toEqual(clones.map((_, i) => `svc-${i}`).sort());
    expect(await run(bare, "rev-list", "--count", `${base}..main`)).toBe("10");
    // History is linear on top of the base: nothing forced away.
    expect(await run(bare, "merge-base", "--is-ancestor", base, "main").then(() => true)).toBe(true);
    console.log(`ten concurrent set-image --push: ${Date.now() - started} ms; attempts per run: ${outcomes.map((o) => o.push?.attempts).join(" ")}`);
  }, 120_000);
});
