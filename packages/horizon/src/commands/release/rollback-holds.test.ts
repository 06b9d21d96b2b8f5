import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, rejection, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode } from "../../errors.js";
import { parseHolds } from "../../gitops/holds.js";
import { runPromote } from "./promote.js";
import { runRollback } from "./rollback.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";

// Issue 11: a hold is absolute. Rollback never brings a held image back, and
// holds.yaml never holds the image that runs after the commit.

const repos: string[] = [];
const context: CommandContext = { cwd: "/", write: () => undefined, now: () => new Date("2026-04-01T12:00:00Z") };
const img = (tag: string): string => `ghcr.io/blessed-horizon/payment-service:${tag}`;
const STAGING = "environments/staging/payment-service/kustomization.yaml";

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));

async function repo(): Promise<string> {
  const dir = await createManifestsRepo("kustomize");
  repos.push(dir);
  return dir;
}

const deploy = (dir: string, tag: string, env = "staging") =>
  runSetImage({ manifests: dir, env, service: "payment-service", image: img(tag) }, context);
const rollback = (dir: string, more: { to?: string } = {}) =>
  runRollback({ manifests: dir, env: "staging", service: "payment-service", ...more }, context);
const running = (dir: string): string => /newTag: (\S+)/.exec(readFileSync(join(dir, STAGING), "utf8"))?.[1] ?? "";
const heldTags = (dir: string): string[] =>
  parseHolds(readFileSync(join(dir, "holds.yaml"), "utf8"))
    .filter((h) => h.environment === "staging" && h.service === "payment-service")
    .map((h) => h.image.slice(h.image.lastIndexOf(":") + 1))
    .sort();

describe("release rollback obeys holds", () => {
  it("a second rollback refuses (exit 1, naming the hold) instead of redeploying the held image", async () => {
    const dir = await repo();
    await deploy(dir, "0.1.0");
    await deploy(dir, "sha-fff666");
    expect((await rollback(dir)).status).toBe("committed");
    expect(running(dir)).toBe("0.1.0");
    expect(heldTags(dir)).toEqual(["sha-fff666"]);

    // The fixture's initial sha-1111111 is the newest earlier image that is not held.
    expect((await rollback(dir)).status).toBe("committed");
    expect(running(dir)).toBe("sha-1111111");
    expect(heldTags(dir)).toEqual(["0.1.0", "sha-fff666"]);

    // Nothing earlier is left that is not held: refused, nothing committed.
    const head = await run(dir, "rev-parse", "HEAD");
    const holdsBefore = readFileSync(join(dir, "holds.yaml"), "utf8");
    const refused = await rejection(rollback(dir));
    expect(refused.exitCode).toBe(ExitCode.CheckFailed);
    expect(refused.message).toContain(img("sha-fff666"));
    expect(refused.message).toContain(img("0.1.0"));
    expect(refused.message).toContain("horizon release unhold");
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    expect(readFileSync(join(dir, "holds.yaml"), "utf8")).toBe(holdsBefore);
    expect(running(dir)).toBe("sha-1111111");
  });

  it("the tester's case: rolling back twice never deploys the held image, and never holds the running one", async () => {
    const dir = await repo();
    await deploy(dir, "sha-fff666");
    await rollback(dir);
    expect(running(dir)).toBe("sha-1111111");
    expect((await rejection(rollback(dir))).exitCode).toBe(ExitCode.CheckFailed);
    expect(running(dir)).toBe("sha-1111111");
    expect(heldTags(dir)).toEqual(["sha-fff666"]);
  });

  it("skips a held image on the way back, and records the deployments it undoes", async () => {
    const dir = await repo();
    await deploy(dir, "sha-aaaaaaa");
    const deployB = (await deploy(dir, "sha-bbbbbbb")).commit;
    // sha-bbbbbbb gets held by hand (as a reviewer would), while sha-ccccccc runs.
    const deployC = (await deploy(dir, "sha-ccccccc")).commit;
    writeFileSync(
      join(dir, "holds.yaml"),
      `holds:\n- environment: staging\n  service: payment-service\n  image: ${img("sha-bbbbbbb")}\n  reason: corrupts refunds\n`,
    );
    await run(dir, "add", "holds.yaml");
    await run(dir, "commit", "--quiet", "-m", "hold sha-bbbbbbb");

    const outcome = await rollback(dir);
    expect(running(dir)).toBe("sha-aaaaaaa");
    expect(heldTags(dir)).toEqual(["sha-bbbbbbb", "sha-ccccccc"]);
    expect(outcome.plan?.release.rollsBack.map((r) => r.commit).sort()).toEqual([deployB, deployC].sort());
  });

  it("--to COMMIT refuses an image of that commit that is held, naming it", async () => {
    const dir = await repo();
    await deploy(dir, "sha-aaaaaaa");
    await deploy(dir, "sha-bbbbbbb");
    const whenB = await run(dir, "rev-parse", "HEAD");
    await rollback(dir);
    expect(heldTags(dir)).toEqual(["sha-bbbbbbb"]);
    await deploy(dir, "sha-ccccccc");
    const head = await run(dir, "rev-parse", "HEAD");

    const refused = await rejection(rollback(dir, { to: whenB }));
    expect(refused.exitCode).toBe(ExitCode.CheckFailed);
    expect(refused.message).toContain(`${img("sha-bbbbbbb")} is on hold`);
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    expect(running(dir)).toBe("sha-ccccccc");
  });

  it("set-image and promote refuse a held image too", async () => {
    const dir = await repo();
    await deploy(dir, "sha-fff666");
    await rollback(dir);
    const head = await run(dir, "rev-parse", "HEAD");
    expect((await rejection(deploy(dir, "sha-fff666"))).exitCode).toBe(ExitCode.CheckFailed);
    await deploy(dir, "sha-fff666", "development");
    const promoted = await rejection(runPromote({ manifests: dir, from: "development", to: "staging", service: ["payment-service"] }, context));
    expect(promoted.exitCode).toBe(ExitCode.CheckFailed);
    expect(promoted.message).toContain(`${img("sha-fff666")} is on hold for payment-service in staging`);
    expect(await run(dir, "log", "-1", "--format=%s", "--", "environments/staging")).toMatch(/^rollback\(staging\)/);
    expect(await run(dir, "rev-list", "--count", `${head}..HEAD`)).toBe("1");
    expect(running(dir)).toBe("sha-1111111");
  });
});
