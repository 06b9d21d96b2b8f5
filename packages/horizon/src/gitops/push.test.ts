import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBareWithClones, removeAll, run, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { runRollback } from "../commands/release/rollback.js";
import { runSetImage } from "../commands/release/set-image.js";
import { ExitCode, ExitError } from "../errors.js";
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
  }, 240_000);

  it("stops before pushing an image that someone else's rollback put on hold meanwhile", async () => {
    const { bare, clones } = await createBareWithClones("kustomize", 2);
    dirs.push(dirname(bare), ...clones.map((c) => dirname(c)));
    const [a, b] = clones as [string, string];
    const bad = "ghcr.io/blessed-horizon/payment-service:sha-badbad1";
    const quiet = { cwd: "/", write: () => undefined };
    await runSetImage({ manifests: a, env: "production", service: "payment-service", image: bad, push: true }, quiet);
    await runRollback({ manifests: a, env: "production", service: "payment-service", push: true }, quiet);
    const remoteHead = await run(bare, "rev-parse", "main");
    // b has not seen either commit: its plan is fine locally, the hold shows up only after the rebase.
    const error = await runSetImage({ manifests: b, env: "production", service: "payment-service", image: bad, push: true }, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).exitCode).toBe(ExitCode.CheckFailed);
    expect((error as ExitError).message).toMatch(/sha-badbad1 is on hold for payment-service in production/);
    expect(await run(bare, "rev-parse", "main")).toBe(remoteHead);
  }, 60_000);
});
