import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import type { FixtureLayout } from "../../../test/fixtures/manifests-helpers/repo.js";
import { runPromote } from "./promote.js";
import { runRollback } from "./rollback.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";

// Issue 12 case 7. Flagger starts a canary analysis whenever a Canary's target
// Deployment's pod template changes (flagger pkg/canary/deployment_controller.go,
// HasTargetChanged: a hash of spec.template), so a version label rewritten on a
// service whose image did not change restarts that service through a full
// analysis. The label must follow the image: promote writes it only where the
// image changes, rollback puts back the label of the image it restores.

const repos: string[] = [];
const context: CommandContext = { cwd: "/", write: () => undefined, now: () => new Date("2026-04-01T12:00:00Z") };
const img = (service: string, tag: string): string => `ghcr.io/blessed-horizon/${service}:${tag}`;

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));

async function repo(layout: FixtureLayout): Promise<string> {
  const dir = await createManifestsRepo(layout);
  repos.push(dir);
  return dir;
}

/**
 * The version label values promote may write, as the files say: in the plain
 * fixture `version` is a selector key (immutable), so only
 * app.kubernetes.io/version moves there.
 */
function versionLabels(dir: string, layout: FixtureLayout, env: string, service: string): string[] {
  const files = layout === "kustomize" ? ["kustomization.yaml", "replicas.yaml"] : ["deployment.yaml"];
  const key = layout === "kustomize" ? /^\s*(app\.kubernetes\.io\/)?version: / : /^\s*app\.kubernetes\.io\/version: /;
  return files.flatMap((f) =>
    readFileSync(join(dir, "environments", env, service, f), "utf8")
      .split("\n")
      .filter((l) => key.test(l))
      .map((l) => /"([^"]+)"/.exec(l)?.[1] ?? l),
  );
}

const promoteAll = (dir: string, version: string) =>
  runPromote({ manifests: dir, from: "staging", to: "production", service: [], version }, context);

describe.each(["kustomize", "plain"] as const)("version labels follow the image (%s manifests repo)", (layout) => {
  it("promote --version relabels only the services whose image changes", async () => {
    const dir = await repo(layout);
    // production's campaign-service already runs staging's image; payment-service gets a new one.
    await runSetImage({ manifests: dir, env: "production", service: "campaign-service", image: img("campaign-service", "sha-1111111") }, context);
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-5555555") }, context);
    const campaignBefore = versionLabels(dir, layout, "production", "campaign-service");

    const outcome = await promoteAll(dir, "1.4.0");
    expect(outcome.status).toBe("committed");
    expect(versionLabels(dir, layout, "production", "payment-service").every((v) => v === "1.4.0")).toBe(true);
    // The pod template of campaign-service is untouched: Flagger has nothing to analyse.
    expect(versionLabels(dir, layout, "production", "campaign-service")).toEqual(campaignBefore);
    expect(await run(dir, "diff", "--name-only", "HEAD~1", "HEAD")).not.toContain("campaign-service");
    expect(outcome.plan?.message.split("\n")[0]).toBe("promote(staging -> production): 1.4.0 payment-service");
  });

  it("promote --version with no image change anywhere commits nothing", async () => {
    const dir = await repo(layout);
    for (const service of ["campaign-service", "payment-service"]) {
      await runSetImage({ manifests: dir, env: "production", service, image: img(service, "sha-1111111") }, context);
    }
    const head = await run(dir, "rev-parse", "HEAD");
    expect((await promoteAll(dir, "1.4.0")).status).toBe("unchanged");
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
  });

  it("rollback puts back the version label of the image it restores", async () => {
    const dir = await repo(layout);
    expect(versionLabels(dir, layout, "production", "payment-service").every((v) => v === "1.2.0")).toBe(true);
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-5555555") }, context);
    await runPromote({ manifests: dir, from: "staging", to: "production", service: ["payment-service"], version: "1.3.0" }, context);
    expect(versionLabels(dir, layout, "production", "payment-service").every((v) => v === "1.3.0")).toBe(true);

    const rolled = await runRollback({ manifests: dir, env: "production", service: "payment-service" }, context);
    expect(rolled.status).toBe("committed");
    const labels = versionLabels(dir, layout, "production", "payment-service");
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.every((v) => v === "1.2.0")).toBe(true);
    // Image and labels are as they were before the promotion: the pod template Flagger sees is the primary's.
    expect(await run(dir, "diff", "HEAD~2", "HEAD", "--", "environments/production/payment-service")).toBe("");
  });

  it("rollback --to COMMIT puts back the labels as they were at that commit", async () => {
    const dir = await repo(layout);
    const start = await run(dir, "rev-parse", "HEAD");
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-5555555") }, context);
    await runSetImage({ manifests: dir, env: "staging", service: "campaign-service", image: img("campaign-service", "sha-6666666") }, context);
    await promoteAll(dir, "1.3.0");
    expect(versionLabels(dir, layout, "production", "campaign-service").every((v) => v === "1.3.0")).toBe(true);

    expect((await runRollback({ manifests: dir, env: "production", to: start }, context)).status).toBe("committed");
    for (const service of ["campaign-service", "payment-service"]) {
      expect(versionLabels(dir, layout, "production", service).every((v) => v === "1.2.0")).toBe(true);
    }
    expect(await run(dir, "diff", start, "HEAD", "--", "environments/production")).toBe("");
  });
});
