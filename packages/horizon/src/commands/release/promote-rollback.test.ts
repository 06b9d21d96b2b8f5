import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, rejection, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode } from "../../errors.js";
import { parseHolds } from "../../gitops/holds.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import { runHistory } from "./history.js";
import { runPromote } from "./promote.js";
import { runRollback } from "./rollback.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";
import { runUnhold } from "./unhold.js";

const repos: string[] = [];
let output = "";
const context: CommandContext = { cwd: "/", write: (t) => void (output += t), now: () => new Date() };
const img = (service: string, tag: string): string => `ghcr.io/blessed-horizon/${service}:${tag}`;

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));

async function repo(layout: "kustomize" | "plain"): Promise<string> {
  const dir = await createManifestsRepo(layout);
  repos.push(dir);
  return dir;
}

describe.each(["kustomize", "plain"] as const)("release promote on a %s manifests repo", (layout) => {
  it("carries image, version label and source commit; production's replicas and patches stay", async () => {
    const dir = await repo(layout);
    const read = (path: string): string => readFileSync(join(dir, path), "utf8");
    await runSetImage(
      { manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-5555555"), sourceSha: "5555555aaaa", sourceTime: "2026-03-02T08:00:00Z" },
      context,
    );
    const sizing = layout === "kustomize" ? "environments/production/payment-service/replicas.yaml" : undefined;
    const sizingBefore = sizing ? read(sizing) : "";
    const outcome = await runPromote({ manifests: dir, from: "staging", to: "production", service: ["payment-service"], version: "1.3.0" }, context);
    expect(outcome.status).toBe("committed");
    const diff = await run(dir, "diff", "--unified=0", "HEAD~1", "HEAD");
    const removed = diff.split("\n").filter((l) => /^-[^-]/.test(l));
    const added = diff.split("\n").filter((l) => /^\+[^+]/.test(l));
    // Only the image and the version labels outside selectors move.
    expect(added.every((l) => l.includes("sha-5555555") || l.includes('version: "1.3.0"'))).toBe(true);
    expect(removed.length).toBe(added.length);
    expect([...removed, ...added].join("\n")).not.toMatch(/replicas|memory|namespace|matchLabels/);
    if (sizing) expect(read(sizing)).toBe(sizingBefore.replace('version: "1.2.0"', 'version: "1.3.0"'));
    else expect(read("environments/production/payment-service/deployment.yaml")).toContain('replicas: 5 # production sizing');
    if (layout === "plain") expect(read("environments/production/payment-service/deployment.yaml")).toContain('      version: "1.2.0" # selectors are immutable');
    const records = await readReleaseHistory(dir);
    expect(records.at(-1)).toMatchObject({
      action: "promote",
      environment: "production",
      promotedFrom: "staging",
      services: [{ service: "payment-service", image: img("payment-service", "sha-5555555"), sourceCommit: "5555555aaaa", sourceTime: "2026-03-02T08:00:00.000Z" }],
    });
    // campaign-service was not chosen: untouched.
    expect(await run(dir, "diff", "--name-only", "HEAD~1", "HEAD")).not.toContain("campaign-service");
  });
});

describe("release rollback and holds", () => {
  it("restores the previous image, holds the bad one until unhold, and the history marks it", async () => {
    const dir = await repo("kustomize");
    const good = img("payment-service", "sha-0000000");
    const bad = img("payment-service", "sha-badbad1");
    await runSetImage({ manifests: dir, env: "production", service: "payment-service", image: bad, sourceSha: "badbad1", sourceTime: "2026-03-02T08:00:00Z" }, context);
    const deployCommit = await run(dir, "rev-parse", "HEAD");

    const rolled = await runRollback({ manifests: dir, env: "production", service: "payment-service" }, context);
    expect(rolled.status).toBe("committed");
    expect(readFileSync(join(dir, "environments/production/payment-service/kustomization.yaml"), "utf8")).toContain("newTag: sha-0000000");
    expect(parseHolds(readFileSync(join(dir, "holds.yaml"), "utf8"))).toMatchObject([{ environment: "production", service: "payment-service", image: bad }]);
    expect(rolled.plan?.release.rollsBack).toEqual([{ service: "payment-service", commit: deployCommit }]);

    const refused = await rejection(runSetImage({ manifests: dir, env: "production", service: "payment-service", image: bad }, context));
    expect(refused.exitCode).toBe(ExitCode.CheckFailed);
    expect(refused.message).toMatch(/sha-badbad1 is on hold for payment-service in production .*horizon release unhold --manifests .* --env production --service payment-service/);
    // Promotion of the held image from staging is refused too (named; promoting every service skips it: promote-policy.test.ts).
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: bad }, context);
    expect((await rejection(runPromote({ manifests: dir, from: "staging", to: "production", service: ["payment-service"] }, context))).exitCode).toBe(ExitCode.CheckFailed);
    // Another environment is not held.
    expect((await runSetImage({ manifests: dir, env: "development", service: "payment-service", image: bad }, context)).status).toBe("committed");

    const unheld = await runUnhold({ manifests: dir, env: "production", service: "payment-service" }, context);
    expect(unheld.status).toBe("committed");
    expect(parseHolds(readFileSync(join(dir, "holds.yaml"), "utf8"))).toEqual([]);
    expect((await runSetImage({ manifests: dir, env: "production", service: "payment-service", image: bad }, context)).status).toBe("committed");

    output = "";
    const entries = await runHistory({ manifests: dir, env: "production", service: "payment-service" }, context);
    // Newest first; the fixture's initial commit is a change horizon did not make.
    expect(entries.map((e) => [e.action, e.image])).toEqual([
      ["deploy", bad],
      ["unhold", bad],
      ["rollback", good],
      ["deploy", bad],
      [null, good],
    ]);
    expect(entries[4]?.managed).toBe(false);
    expect(entries[3]?.rolledBackBy).toBe(entries[2]?.commit);
    expect(output).toContain("ROLLED BACK by");
    expect(output).toContain("unsigned(N)");
  });

  it("--to COMMIT restores every image of the environment as it was then", async () => {
    const dir = await repo("plain");
    const start = await run(dir, "rev-parse", "HEAD");
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-aaaaaaa") }, context);
    await runSetImage({ manifests: dir, env: "staging", service: "campaign-service", image: img("campaign-service", "sha-bbbbbbb") }, context);
    await runSetImage({ manifests: dir, env: "production", service: "campaign-service", image: img("campaign-service", "sha-ccccccc") }, context);
    const outcome = await runRollback({ manifests: dir, env: "staging", to: start.slice(0, 8) }, context);
    expect(outcome.plan?.release.services.map((s) => [s.service, s.image])).toEqual([
      ["campaign-service", img("campaign-service", "sha-1111111")],
      ["payment-service", img("payment-service", "sha-1111111")],
    ]);
    expect(outcome.plan?.release.rollsBack).toHaveLength(2);
    expect(await run(dir, "diff", "--name-only", `${start}`, "HEAD", "--", "environments/staging")).toBe("");
    expect(readFileSync(join(dir, "environments/production/campaign-service/deployment.yaml"), "utf8")).toContain("sha-ccccccc");
  });

  it("refuses a rollback with nothing to go back to, or without --service or --to", async () => {
    const dir = await repo("kustomize");
    expect((await rejection(runRollback({ manifests: dir, env: "production", service: "payment-service" }, context))).message).toMatch(/no earlier image/);
    expect((await rejection(runRollback({ manifests: dir, env: "production" }, context))).exitCode).toBe(ExitCode.Usage);
    expect((await rejection(runUnhold({ manifests: dir, env: "production", service: "payment-service" }, context))).message).toMatch(/no hold/);
  });

  it("refuses bad promotion and rollback input with exit 2, changing nothing", async () => {
    const dir = await repo("kustomize");
    const head = await run(dir, "rev-parse", "HEAD");
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => runPromote({ manifests: dir, from: "staging", to: "staging", service: [] }, context), /--from and --to are both staging/],
      [() => runPromote({ manifests: dir, from: "staging", to: "qa", service: [] }, context), /unknown environment "qa"/],
      [() => runPromote({ manifests: dir, from: "staging", to: "production", service: ["trust-service"] }, context), /unknown service "trust-service" in environment staging/],
      [() => runPromote({ manifests: dir, from: "staging", to: "production", service: [], version: "1.0 beta" }, context), /--version "1.0 beta"/],
      [() => runRollback({ manifests: dir, env: "production", to: "no-such-commit" }, context), /"no-such-commit" is not a commit/],
      [() => runRollback({ manifests: join(dir, "missing"), env: "production", service: "payment-service" }, context), /does not exist/],
    ];
    for (const [command, message] of cases) {
      const error = await rejection(command());
      expect(error.exitCode).toBe(ExitCode.Usage);
      expect(error.message).toMatch(message);
    }
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    expect(await run(dir, "status", "--porcelain")).toBe("");
  });
});
