import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearCommitDates, commitsAt, createManifestsRepo, rejection, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode } from "../../errors.js";
import { runFreeze, runUnfreeze } from "./freeze.js";
import { runHistory } from "./history.js";
import { runPolicy } from "./policy.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";

// Issue 15: `horizon release policy` prints the state; freeze and unfreeze stop and restart the line as commits.

const repos: string[] = [];
const NOW = "2026-12-01T13:40:00Z";
const context = (now = NOW, out: string[] = []): CommandContext => ({ cwd: "/", write: (t) => out.push(t), now: () => new Date(now) });
const img = (tag: string): string => `ghcr.io/blessed-horizon/payment-service:${tag}`;

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));
afterEach(clearCommitDates);


async function repo(policy?: string): Promise<string> {
  commitsAt("2026-11-01T09:00:00Z");
  const dir = await createManifestsRepo("kustomize");
  repos.push(dir);
  if (policy !== undefined) {
    writeFileSync(join(dir, "promotion-policy.yaml"), policy);
    await run(dir, "add", "promotion-policy.yaml");
    await run(dir, "commit", "--quiet", "-m", "promotion policy");
  }
  return dir;
}

const POLICY = `timezone: Europe/Berlin
environments:
  production:
    soak: 2h
`;

describe("release policy", () => {
  it("lists the images a promotion would move with the soak they have left", async () => {
    const dir = await repo(POLICY);
    commitsAt("2026-12-01T13:00:00Z");
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("sha-9f8e7d6") }, context());
    const out: string[] = [];
    const state = await runPolicy({ manifests: dir, env: "production" }, context(NOW, out));
    expect(state.from).toBe("staging");
    const payment = state.images.find((i) => i.service === "payment-service");
    expect(payment).toMatchObject({ since: "2026-12-01T13:00:00.000Z", soakedMs: 40 * 60_000, eligible: false, eligibleAt: "2026-12-01T15:00:00.000Z" });
    // campaign-service's staging image came with the first commit, a month ago: soaked long enough.
    expect(state.images.find((i) => i.service === "campaign-service")).toMatchObject({ eligible: true, eligibleAt: null });
    expect(out.join("")).toContain(`payment-service  ${img("sha-9f8e7d6")}  40 min of 2 h; eligible at 2026-12-01 16:00 Europe/Berlin (15:00 UTC)`);
    expect(out.join("")).toContain("promotion allowed now");
  });

  it("refuses a broken policy file with exit 2 naming the key", async () => {
    const dir = await repo(`${POLICY}    soakTime: 1h\n`);
    const refused = await rejection(runPolicy({ manifests: dir, env: "production" }, context()));
    expect(refused.exitCode).toBe(ExitCode.Usage);
    expect(refused.message).toContain("promotion-policy.yaml: environments.production: unknown key soakTime");
  });
});

describe("release freeze and unfreeze", () => {
  it("freeze is a commit that stops the line until unfreeze lifts it", async () => {
    const dir = await repo(POLICY);
    const frozen = await runFreeze({ manifests: dir, env: "production", reason: "incident 42" }, context());
    expect(frozen.status).toBe("committed");
    const message = await run(dir, "log", "-1", "--format=%B");
    expect(message).toContain("freeze(production): incident 42");
    expect(message).toContain("Horizon-Action: freeze");
    expect(message).toContain("Horizon-Environment: production");
    // 13:40 UTC is 14:40 in Berlin: the freeze starts at the minute it was made, in the file's zone; the soak stays.
    const file = readFileSync(join(dir, "promotion-policy.yaml"), "utf8");
    expect(file).toContain("soak: 2h");
    expect(file).toMatch(/freezes:\n\s+- from: 2026-12-01T14:40\n\s+reason: incident 42/);

    const state = await runPolicy({ manifests: dir, env: "production" }, context("2026-12-01T13:41:00Z"));
    expect(state.frozen).toEqual({ reason: "incident 42", since: "2026-12-01T13:40:00.000Z", until: null });
    expect(state.open).toBe(false);
    expect(state.nextOpen).toBeNull();

    // history shows the freeze as a change of the whole environment, with no image "removed".
    const shown: string[] = [];
    await runHistory({ manifests: dir, env: "production" }, context("2026-12-01T13:41:00Z", shown));
    expect(shown.join("")).toMatch(/production {2}freeze {2}\* {2}- {2}/);

    await runUnfreeze({ manifests: dir, env: "production" }, context("2026-12-01T15:00:00Z"));
    expect(await run(dir, "log", "-1", "--format=%B")).toContain("Horizon-Action: unfreeze");
    const lifted = await runPolicy({ manifests: dir, env: "production" }, context("2026-12-01T15:00:00Z"));
    expect(lifted.frozen).toBeNull();
    expect(lifted.open).toBe(true);
  });

  it("unfreeze keeps scheduled freezes and refuses when there is no open-ended one", async () => {
    const dir = await repo(`${POLICY}    freezes:\n      - from: 2026-12-23T00:00\n        to: 2027-01-04T08:00\n        reason: year-end freeze\n`);
    const head = await run(dir, "rev-parse", "HEAD");
    const refused = await rejection(runUnfreeze({ manifests: dir, env: "production" }, context()));
    expect(refused.exitCode).toBe(ExitCode.Usage);
    expect(refused.message).toContain("production has no open-ended freeze to lift");
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
  });

  it("freeze needs a reason and a known environment; nothing is committed", async () => {
    const dir = await repo();
    const head = await run(dir, "rev-parse", "HEAD");
    expect((await rejection(runFreeze({ manifests: dir, env: "production", reason: " " }, context()))).message).toContain("--reason is required");
    expect((await rejection(runFreeze({ manifests: dir, env: "qa", reason: "x" }, context()))).exitCode).toBe(ExitCode.Usage);
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
  });

  it("without a policy file, freeze creates one (UTC) holding the freeze", async () => {
    const dir = await repo();
    await runFreeze({ manifests: dir, env: "staging", reason: "database upgrade" }, context());
    const file = readFileSync(join(dir, "promotion-policy.yaml"), "utf8");
    expect(file).toContain("timezone: UTC");
    expect(file).toMatch(/staging:\n\s+freezes:\n\s+- from: 2026-12-01T13:40\n\s+reason: database upgrade/);
  });
});
