import { describe, expect, it } from "vitest";
import { REPO_ROOT, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { findExecutable } from "../io/process.js";
import { runRecoveryDrill } from "./recovery-drill.js";

// `npm run drill:recovery` (scripts/drill-recovery.ts) in CI: the drill of docs/runbooks/recovery.md on this
// repository's deploy/, bounded (seconds; the spec's bound on a real recovery is 30 minutes).
const kubectl = await findExecutable("kubectl");

describe.skipIf(!kubectl)("the recovery drill (needs kubectl)", () => {
  it("restores a destroyed manifests repo from its bundle with every environment byte-identical, and prints the recovery time", async () => {
    useTestGitEnv();
    let out = "";
    const result = await runRecoveryDrill({ repoRoot: REPO_ROOT, write: (t) => void (out += t) });
    expect(result.releases.map((r) => r.split(" ")[0])).toEqual(["set-image", "set-image", "promote", "promote", "set-image", "rollback"]);
    expect(result.environments.map((e) => [e.environment, e.identical])).toEqual([
      ["development", true],
      ["production", true],
      ["staging", true],
    ]);
    for (const e of result.environments) expect(e.bytes, e.environment).toBeGreaterThan(10_000);
    // What runs after the restore: the promoted build in production, the rolled-back build in development.
    const running = (env: string, service: string) => result.running.find((r) => r.environment === env && r.service === service)?.image;
    expect(running("production", "payment-service")).toMatch(/:1{40}$/);
    expect(running("development", "campaign-service")).toMatch(/:1{40}$/);
    expect(result.recoveryMs).toBeLessThan(60_000);
    expect(out).toMatch(/^recovery time: \d+\.\d s \(/m);
    // The figure the runbook quotes, in CI's log on every run.
    console.log(out.match(/^recovery time: .*$/m)?.[0]);
    expect(out).toContain("byte-identical to before the loss");
  }, 120_000);
});
