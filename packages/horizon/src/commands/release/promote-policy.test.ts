import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearCommitDates, commitsAt, createManifestsRepo, REPO_ROOT, rejection, removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode } from "../../errors.js";
import { runCompliance } from "../compliance/index.js";
import { findExecutable } from "../../io/process.js";
import { runFreeze } from "./freeze.js";
import { runHistory } from "./history.js";
import { runPromote } from "./promote.js";
import { runRollback } from "./rollback.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";

// Issue 15.2, 15.3 and 15.5: promote obeys promotion-policy.yaml (soak, windows, freezes) on a fixed clock,
// --break-glass overrides and is recorded, a freeze never blocks a rollback, and a held image blocks only its service.

const repos: string[] = [];
const img = (service: string, tag: string): string => `ghcr.io/blessed-horizon/${service}:${tag}`;
const at = (now: string, out: string[] = []): CommandContext => ({ cwd: "/", write: (t) => out.push(t), now: () => new Date(now) });
const PROD = (service: string): string => `environments/production/${service}/kustomization.yaml`;
const tagIn = (dir: string, path: string): string => /newTag: (\S+)/.exec(readFileSync(join(dir, path), "utf8"))?.[1] ?? "";

// Tuesday 1 December 2026; Berlin is UTC+1. Production opens 08:00-17:00 Berlin on weekdays.
const POLICY = `timezone: Europe/Berlin
environments:
  production:
    soak: 2h
    windows:
      - days: [mon, tue, wed, thu, fri]
        from: "08:00"
        to: "17:00"
`;

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));
afterEach(clearCommitDates);


/** The fixture (staging runs sha-1111111, production sha-0000000) with the policy, and a new payment image in staging (1 December, 11:00 UTC). */
async function repo(deployedAt = "2026-12-01T11:00:00Z"): Promise<string> {
  commitsAt("2026-01-01T09:00:00Z");
  const dir = await createManifestsRepo("kustomize");
  repos.push(dir);
  writeFileSync(join(dir, "promotion-policy.yaml"), POLICY);
  await run(dir, "add", ".");
  await run(dir, "commit", "--quiet", "-m", "promotion policy");
  commitsAt(deployedAt);
  await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-9f8e7d6") }, at(deployedAt));
  return dir;
}

const promote = (dir: string, now: string, more: Partial<Parameters<typeof runPromote>[0]> = {}, out: string[] = []) =>
  runPromote({ manifests: dir, from: "staging", to: "production", service: [], ...more }, at(now, out));

describe("promote obeys promotion-policy.yaml", () => {
  it("refuses an image that has not soaked, saying when it will be eligible; nothing is committed", async () => {
    const dir = await repo();
    const head = await run(dir, "rev-parse", "HEAD");
    commitsAt("2026-12-01T11:40:00Z");
    const refused = await rejection(promote(dir, "2026-12-01T11:40:00Z"));
    expect(refused.exitCode).toBe(ExitCode.CheckFailed);
    expect(refused.message).toContain("payment-service:sha-9f8e7d6 has soaked 40 min of 2 h in staging; eligible at 2026-12-01 14:00 Europe/Berlin (13:00 UTC)");
    expect(refused.message).toContain('--break-glass "reason"');
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
  });

  it("promotes once soaked inside a window", async () => {
    const dir = await repo();
    commitsAt("2026-12-01T13:05:00Z");
    expect((await promote(dir, "2026-12-01T13:05:00Z")).status).toBe("committed");
    expect(tagIn(dir, PROD("payment-service"))).toBe("sha-9f8e7d6");
  });

  it("refuses outside the windows, naming the next opening", async () => {
    const dir = await repo();
    // Saturday 5 December, 12:00 Berlin: the next window is Monday 7 December 08:00 Berlin.
    const refused = await rejection(promote(dir, "2026-12-05T11:00:00Z"));
    expect(refused.message).toContain("production is outside its promotion windows; the next opens at 2026-12-07 08:00 Europe/Berlin (07:00 UTC)");
  });

  it("follows the daylight-saving change: 06:30 UTC on a Monday is closed in March's CET week and open after it", async () => {
    const dir = await repo("2026-03-20T09:00:00Z");
    // Monday 23 March 2026, 06:30 UTC = 07:30 CET: before the 08:00 window.
    expect((await rejection(promote(dir, "2026-03-23T06:30:00Z"))).message).toContain(
      "production is outside its promotion windows; the next opens at 2026-03-23 08:00 Europe/Berlin (07:00 UTC)",
    );
    // Monday 30 March 2026, the day after the change, 06:30 UTC = 08:30 CEST: inside.
    commitsAt("2026-03-30T06:30:00Z");
    expect((await promote(dir, "2026-03-30T06:30:00Z")).status).toBe("committed");
  });

  it("--break-glass promotes anyway and records the reason, which history shows", async () => {
    const dir = await repo();
    commitsAt("2026-12-01T11:40:00Z");
    expect((await promote(dir, "2026-12-01T11:40:00Z", { breakGlass: "incident 7: payment hotfix" })).status).toBe("committed");
    expect(await run(dir, "log", "-1", "--format=%B")).toContain("Horizon-Break-Glass: incident 7: payment hotfix");
    const entries = await runHistory({ manifests: dir, env: "production", since: "2026-01-01" }, at("2026-12-01T12:00:00Z"));
    expect(entries.find((e) => e.service === "payment-service")?.breakGlass).toBe("incident 7: payment hotfix");
    expect((await rejection(promote(dir, "2026-12-01T11:40:00Z", { breakGlass: "  " }))).exitCode).toBe(ExitCode.Usage);
    const out: string[] = [];
    const report = await runCompliance({ manifests: dir, month: "2026-12" }, at("2026-12-01T12:00:00Z", out));
    expect(report.breakGlass).toMatchObject([{ environment: "production", action: "promote", reason: "incident 7: payment hotfix" }]);
    expect(out.join("")).toMatch(/break-glass overrides \(1\):\n\s+\w{12} \S+ production promote by Horizon Test: incident 7: payment hotfix/);
  });

  it("while frozen promote is refused, and a rollback still goes through", async () => {
    const dir = await repo();
    commitsAt("2026-12-01T13:05:00Z");
    await promote(dir, "2026-12-01T13:05:00Z");
    commitsAt("2026-12-01T13:10:00Z");
    await runFreeze({ manifests: dir, env: "production", reason: "incident 8" }, at("2026-12-01T13:10:00Z"));
    commitsAt("2026-12-01T13:20:00Z");
    await runSetImage({ manifests: dir, env: "staging", service: "campaign-service", image: img("campaign-service", "sha-abcdef1") }, at("2026-12-01T13:20:00Z"));
    const refused = await rejection(promote(dir, "2026-12-01T16:00:00Z", { service: ["campaign-service"] }));
    expect(refused.message).toContain("production is frozen until it is lifted (horizon release unfreeze): incident 8");
    commitsAt("2026-12-01T16:01:00Z");
    expect((await runRollback({ manifests: dir, env: "production", service: "payment-service" }, at("2026-12-01T16:01:00Z"))).status).toBe("committed");
    expect(tagIn(dir, PROD("payment-service"))).toBe("sha-0000000");
  });

  it("a held image blocks only its own service when every service is promoted", async () => {
    const dir = await repo();
    writeFileSync(
      join(dir, "holds.yaml"),
      `holds:\n  - environment: production\n    service: payment-service\n    image: ${img("payment-service", "sha-9f8e7d6")}\n    reason: canary failed\n    since: "2026-12-01"\n`,
    );
    await run(dir, "add", "holds.yaml");
    await run(dir, "commit", "--quiet", "-m", "hold");
    commitsAt("2026-12-01T13:20:00Z");
    await runSetImage({ manifests: dir, env: "staging", service: "campaign-service", image: img("campaign-service", "sha-abcdef1") }, at("2026-11-30T10:00:00Z"));
    const out: string[] = [];
    // Both images have soaked by 16:00 UTC on 2 December (Wednesday, 17:00 Berlin is the window's end: 15:30 UTC is inside).
    commitsAt("2026-12-02T14:30:00Z");
    expect((await promote(dir, "2026-12-02T14:30:00Z", {}, out)).status).toBe("committed");
    expect(tagIn(dir, PROD("campaign-service"))).toBe("sha-abcdef1");
    expect(tagIn(dir, PROD("payment-service"))).toBe("sha-0000000");
    expect(out.join("")).toContain(`skipped payment-service: ${img("payment-service", "sha-9f8e7d6")} is on hold in production`);
    // Named explicitly, the held service is refused.
    expect((await rejection(promote(dir, "2026-12-02T14:30:00Z", { service: ["payment-service"] }))).exitCode).toBe(ExitCode.CheckFailed);
  });
});

describe.skipIf(!(await findExecutable("kubectl")))("promote --dry-run: a plan you can review (needs kubectl)", () => {
  it("shows images, policy and the rendered diff, writes the PR body, and changes nothing", async () => {
    const dir = await repo();
    const head = await run(dir, "rev-parse", "HEAD");
    const body = join(tempDir("body"), "body.md");
    repos.push(body.slice(0, body.lastIndexOf("/")));
    const out: string[] = [];
    const outcome = await promote(dir, "2026-12-01T11:40:00Z", { dryRun: true, bodyOut: body }, out);
    expect(outcome.status).toBe("dry-run");
    const text = out.join("");
    expect(text).toContain("## Promotion plan: staging -> production");
    expect(text).toContain(`| payment-service | \`${img("payment-service", "sha-0000000")}\` | \`${img("payment-service", "sha-9f8e7d6")}\` |`);
    expect(text).toContain("**Policy:** refused now (promotion-policy.yaml):\n- payment-service:sha-9f8e7d6 has soaked 40 min of 2 h in staging");
    expect(text).toMatch(/^- Deployment\/\S*payment-service \(changed\)$/m);
    expect(text).toMatch(/^\+\s+(- )?image: ghcr\.io\/blessed-horizon\/payment-service:sha-9f8e7d6$/m);
    expect(readFileSync(body, "utf8")).toBe(text);
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    expect(await run(dir, "status", "--porcelain")).toBe("");
  });
});

describe.skipIf(!(await findExecutable("kubectl")))("promote --dry-run on the real deploy/ (needs kubectl)", () => {
  it("shows the one service that moves, what deploy/promotion-policy.yaml says, and the rendered change of its Deployment and migration Job", async () => {
    commitsAt("2026-11-01T09:00:00Z");
    const root = tempDir("deploy-plan");
    repos.push(root);
    cpSync(join(REPO_ROOT, "deploy"), root, { recursive: true });
    await run(root, "init", "--quiet", "--initial-branch=main");
    await run(root, "add", ".");
    await run(root, "commit", "--quiet", "-m", "manifests from deploy/");
    const registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon";
    const sha = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c";
    commitsAt("2026-12-01T09:00:00Z");
    await runSetImage({ manifests: root, env: "staging", service: "trust-service", image: `${registry}/trust-service:${sha}`, sourceSha: sha }, at("2026-12-01T09:00:00Z"));
    const out: string[] = [];
    // Tuesday 1 December 2026, 10:00 UTC (11:00 in Berlin, inside the window): the image has soaked 1 h of 2 h.
    await promote(root, "2026-12-01T10:00:00Z", { dryRun: true }, out);
    const text = out.join("");
    expect(text).toContain(`| trust-service |`);
    expect(text).not.toMatch(/\| (campaign|payment|notification)-service \|/);
    expect(text).toContain(`trust-service:${sha.slice(0, 19)} has soaked 1 h of 2 h in staging; eligible at 2026-12-01 12:00 Europe/Berlin (11:00 UTC)`);
    expect(text).toMatch(/^- Deployment\/\S+\/trust-service \(changed\)$/m);
    expect(text).toMatch(/^- Job\/\S+\/trust-service-migrate \(changed\)$/m);
    expect(text).toContain(`+          image: ${registry}/db-migrate:${sha}`);
  });
});
