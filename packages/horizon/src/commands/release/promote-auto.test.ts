import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { clearCommitDates, commitsAt, createManifestsRepo, rejection, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { main } from "../../cli.js";
import { ExitCode } from "../../errors.js";
import { runFreeze } from "./freeze.js";
import { runAutoPromote } from "./promote-auto.js";
import { runPromote } from "./promote.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";

// Issue 15.6 and 15.3: promote --auto takes into autoPromote environments only images whose gates passed
// (Horizon-Gates, recorded by set-image) and whose soak elapsed; a freeze stops set-image as well as promote.

const repos: string[] = [];
const img = (service: string, tag: string): string => `ghcr.io/blessed-horizon/${service}:${tag}`;
const at = (now: string, out: string[] = []): CommandContext => ({ cwd: "/", write: (t) => out.push(t), now: () => new Date(now) });
const tagIn = (dir: string, env: string, service: string): string =>
  /newTag: (\S+)/.exec(readFileSync(join(dir, `environments/${env}/${service}/kustomization.yaml`), "utf8"))?.[1] ?? "";

const POLICY = `timezone: UTC
environments:
  staging:
    autoPromote: true
    soak: 30m
`;

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));
afterEach(clearCommitDates);


/** Development gets payment-service (gates passed) and campaign-service (gates failed) at 10:00 UTC. */
async function repo(): Promise<string> {
  commitsAt("2026-11-01T09:00:00Z");
  const dir = await createManifestsRepo("kustomize");
  repos.push(dir);
  writeFileSync(join(dir, "promotion-policy.yaml"), POLICY);
  await run(dir, "add", ".");
  await run(dir, "commit", "--quiet", "-m", "promotion policy");
  commitsAt("2026-12-01T10:00:00Z");
  const ten = at("2026-12-01T10:00:00Z");
  await runSetImage({ manifests: dir, env: "development", service: "payment-service", image: img("payment-service", "sha-2222222"), gates: "passed" }, ten);
  await runSetImage({ manifests: dir, env: "development", service: "campaign-service", image: img("campaign-service", "sha-3333333"), gates: "failed" }, ten);
  return dir;
}

describe("release promote --auto", () => {
  it("waits for the soak, then promotes only the images whose gates passed", async () => {
    const dir = await repo();
    expect(await run(dir, "log", "-1", "--format=%B")).toContain("Horizon-Gates: campaign-service failed");
    const early: string[] = [];
    const [first] = await runAutoPromote({ manifests: dir }, at("2026-12-01T10:10:00Z", early));
    expect(first).toMatchObject({ environment: "staging", from: "development", promoted: [], commit: null });
    expect(early.join("")).toContain("skipped payment-service: payment-service:sha-2222222 has soaked 10 min of 30 min in development; eligible at 2026-12-01 10:30 UTC");
    expect(early.join("")).toContain("skipped campaign-service: campaign-service:sha-3333333: quality gates recorded as failed in development");

    commitsAt("2026-12-01T10:40:00Z");
    const [later] = await runAutoPromote({ manifests: dir }, at("2026-12-01T10:40:00Z"));
    expect(later.promoted).toEqual(["payment-service"]);
    expect(tagIn(dir, "staging", "payment-service")).toBe("sha-2222222");
    expect(tagIn(dir, "staging", "campaign-service")).toBe("sha-1111111");
    const message = await run(dir, "log", "-1", "--format=%B");
    expect(message).toContain("Horizon-Action: promote");
    expect(message).toContain("Horizon-Promoted-From: development");
  });

  it("promote --dry-run shows each moving image's recorded gate verdict", async () => {
    const dir = await repo();
    const out: string[] = [];
    await runPromote({ manifests: dir, from: "development", to: "staging", service: [], dryRun: true }, at("2026-12-01T11:00:00Z", out));
    const text = out.join("");
    expect(text).toMatch(/^\| payment-service \| .* \| passed \|$/m);
    expect(text).toMatch(/^\| campaign-service \| .* \| failed \|$/m);
  });

  it("does nothing in a frozen environment, and set-image is refused there too unless --break-glass", async () => {
    const dir = await repo();
    commitsAt("2026-12-01T10:45:00Z");
    await runFreeze({ manifests: dir, env: "staging", reason: "load test" }, at("2026-12-01T10:45:00Z"));
    const head = await run(dir, "rev-parse", "HEAD");
    const out: string[] = [];
    const [result] = await runAutoPromote({ manifests: dir }, at("2026-12-01T11:00:00Z", out));
    expect(result.promoted).toEqual([]);
    expect(out.join("")).toContain("staging: not now: staging is frozen until it is lifted (horizon release unfreeze): load test");
    const refused = await rejection(runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-4444444") }, at("2026-12-01T11:00:00Z")));
    expect(refused.exitCode).toBe(ExitCode.CheckFailed);
    expect(refused.message).toContain("set-image in staging refused by promotion-policy.yaml");
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: img("payment-service", "sha-4444444"), breakGlass: "hotfix for INC-9" }, at("2026-12-01T11:00:00Z"));
    expect(await run(dir, "log", "-1", "--format=%B")).toContain("Horizon-Break-Glass: hotfix for INC-9");
    // Development is not frozen: CI's deploys go on.
    expect((await runSetImage({ manifests: dir, env: "development", service: "payment-service", image: img("payment-service", "sha-5555555") }, at("2026-12-01T11:00:00Z"))).status).toBe("committed");
  });

  it("refuses a bad --gates verdict, and --auto together with --from, with exit 2", async () => {
    const dir = await repo();
    expect((await rejection(runSetImage({ manifests: dir, env: "development", service: "payment-service", image: img("payment-service", "sha-6666666"), gates: "green" }, at("2026-12-01T11:00:00Z")))).message).toContain(
      "--gates green is not one of passed, failed, none",
    );
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await main(["node", "horizon", "release", "promote", "--manifests", dir, "--auto", "--from", "development"])).toBe(ExitCode.Usage);
      expect(await main(["node", "horizon", "release", "promote", "--manifests", dir, "--to", "staging"])).toBe(ExitCode.Usage);
    } finally {
      err.mockRestore();
    }
  });
});
