import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearCommitDates, commitsAt, createManifestsRepo, removeAll, run, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { runFreeze } from "../commands/release/freeze.js";
import { runSetImage } from "../commands/release/set-image.js";
import { gatherDashboard } from "./gather.js";

// Issue 15.8 and 17.2: the dashboard shows, per environment, frozen or not, the next window, images soaking with
// the time left, and what each flag serves; gathered from a real manifests repository.

const repos: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));
afterEach(clearCommitDates);

const POLICY = `timezone: UTC
environments:
  staging:
    autoPromote: true
    soak: 30m
  production:
    soak: 2h
    windows:
      - days: [mon, tue, wed, thu, fri]
        from: "08:00"
        to: "17:00"
`;
const FLAGS = JSON.stringify({ flags: { "donation-tips": { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" } } }, null, 2);

describe("dashboard: policy and flags per environment", () => {
  it("reads the freeze, the windows, the soak left and the flags", async () => {
    commitsAt("2026-11-01T09:00:00Z");
    const dir = await createManifestsRepo("kustomize");
    repos.push(dir);
    writeFileSync(join(dir, "promotion-policy.yaml"), POLICY);
    writeFileSync(join(dir, "environments/production/flags.flagd.json"), `${FLAGS}\n`);
    await run(dir, "add", ".");
    await run(dir, "commit", "--quiet", "-m", "policy and flags");
    const ctx = (now: string) => ({ cwd: "/", write: () => undefined, now: () => new Date(now) });
    commitsAt("2026-12-01T12:00:00Z");
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: "ghcr.io/blessed-horizon/payment-service:sha-7777777" }, ctx("2026-12-01T12:00:00Z"));
    commitsAt("2026-12-01T12:10:00Z");
    await runFreeze({ manifests: dir, env: "staging", reason: "load test" }, ctx("2026-12-01T12:10:00Z"));

    // Tuesday 1 December 2026, 18:40 UTC: production's window closed at 17:00; it opens again at 08:00 tomorrow.
    const data = await gatherDashboard({ manifestsDir: dir, now: new Date("2026-12-01T18:40:00Z") });
    const byEnv = new Map(data.policies.map((p) => [p.environment, p]));
    expect(byEnv.get("staging")).toMatchObject({ frozen: { reason: "load test", until: "until unfrozen" }, open: false, autoPromote: true });
    const production = byEnv.get("production");
    expect(production).toMatchObject({ open: false, nextOpen: "2026-12-02 08:00 UTC", soak: "2 h in staging" });
    // Deployed in staging at 12:00, 6 h 40 min ago: soaked. campaign-service's staging image is the fixture's, from November.
    expect(production?.soaking.find((i) => i.service === "payment-service")).toMatchObject({ status: "soaked" });
    expect(production?.flags).toEqual([{ key: "donation-tips", serves: "on" }]);

    // At 13:00 the payment image has soaked 1 h of 2 h.
    const earlier = await gatherDashboard({ manifestsDir: dir, now: new Date("2026-12-01T13:00:00Z") });
    const soaking = earlier.policies.find((p) => p.environment === "production")?.soaking.find((i) => i.service === "payment-service");
    expect(soaking).toMatchObject({ status: "1 h left", eligibleAt: "2026-12-01 14:00 UTC" });
  });
});
