import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode, ExitError } from "../../errors.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "./shared.js";

const repos: string[] = [];
let output = "";
const context = (): CommandContext => ({ cwd: "/", write: (t) => void (output += t) });

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));

async function repo(layout: "kustomize" | "plain"): Promise<string> {
  const dir = await createManifestsRepo(layout);
  repos.push(dir);
  return dir;
}

/** Everything a failed command must leave as it was: HEAD, index, work tree. */
async function snapshot(dir: string): Promise<string> {
  return [await run(dir, "rev-parse", "HEAD"), await run(dir, "status", "--porcelain"), await run(dir, "diff", "HEAD")].join("|");
}

async function exitCodeOf(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExitError) return { code: error.exitCode, message: error.message };
    throw error;
  }
  return { code: 0, message: "" };
}

describe.each(["kustomize", "plain"] as const)("release set-image on a %s manifests repo", (layout) => {
  const file = layout === "kustomize" ? "kustomization.yaml" : "deployment.yaml";

  it("commits exactly one changed line with trailers naming environment, service, image and source", async () => {
    const dir = await repo(layout);
    const image = "ghcr.io/blessed-horizon/payment-service:sha-abcdef1";
    const outcome = await runSetImage(
      { manifests: dir, env: "production", service: "payment-service", image, sourceSha: "abcdef1234567", sourceTime: "2026-03-01T10:00:00+01:00" },
      context(),
    );
    expect(outcome.status).toBe("committed");
    const diff = await run(dir, "diff", "--unified=0", "HEAD~1", "HEAD");
    const changed = diff.split("\n").filter((l) => /^[-+][^-+]/.test(l));
    expect(changed).toHaveLength(2);
    expect(changed[0]).toContain("sha-0000000");
    expect(changed[1]).toContain("sha-abcdef1");
    expect(await run(dir, "diff", "--name-only", "HEAD~1", "HEAD")).toBe(`environments/production/payment-service/${file}`);
    const [record] = await readReleaseHistory(dir);
    expect(record).toMatchObject({
      action: "deploy",
      environment: "production",
      services: [{ service: "payment-service", image, previousImage: "ghcr.io/blessed-horizon/payment-service:sha-0000000", sourceCommit: "abcdef1234567", sourceTime: "2026-03-01T09:00:00.000Z" }],
    });
  });

  it("makes no commit when the service already runs that image", async () => {
    const dir = await repo(layout);
    const head = await run(dir, "rev-parse", "HEAD");
    const outcome = await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: "ghcr.io/blessed-horizon/payment-service:sha-1111111" }, context());
    expect(outcome.status).toBe("unchanged");
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
  });

  it("--dry-run prints the plan and changes nothing", async () => {
    const dir = await repo(layout);
    const before = await snapshot(dir);
    output = "";
    const outcome = await runSetImage({ manifests: dir, env: "development", service: "campaign-service", image: "ghcr.io/blessed-horizon/campaign-service:sha-2222222", dryRun: true }, context());
    expect(outcome.status).toBe("dry-run");
    expect(output).toContain(`edit   environments/development/campaign-service/${file}`);
    expect(output).toContain("Horizon-Service: campaign-service ghcr.io/blessed-horizon/campaign-service:sha-2222222");
    expect(await snapshot(dir)).toBe(before);
  });
});

describe("release set-image refuses bad input with exit 2 and leaves the repository as it was", () => {
  const image = "ghcr.io/blessed-horizon/payment-service:sha-abcdef1";
  let dir = "";
  beforeAll(async () => {
    dir = await repo("kustomize");
  });

  it.each([
    ["an unknown environment", { env: "prod" }, /unknown environment "prod".*known: development, production, staging/],
    ["an unknown service", { service: "nope-service" }, /unknown service "nope-service" in environment production/],
    ["an image without a tag", { image: "ghcr.io/blessed-horizon/payment-service" }, /neither a tag nor a digest/],
    ["a source time that is no time", { sourceTime: "yesterday" }, /--source-time "yesterday"/],
  ])("%s", async (_what, override, message) => {
    const before = await snapshot(dir);
    const result = await exitCodeOf(runSetImage({ manifests: dir, env: "production", service: "payment-service", image, ...override }, context()));
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.message).toMatch(message);
    expect(await snapshot(dir)).toBe(before);
  });

  it("a malformed YAML file, named", async () => {
    const path = join(dir, "environments/staging/payment-service/kustomization.yaml");
    writeFileSync(path, "images:\n- name: [unclosed\n");
    await run(dir, "commit", "-qam", "break staging");
    const before = await snapshot(dir);
    const result = await exitCodeOf(runSetImage({ manifests: dir, env: "staging", service: "payment-service", image }, context()));
    expect(result).toMatchObject({ code: ExitCode.Usage, message: expect.stringMatching(/environments\/staging\/payment-service\/kustomization.yaml is not valid YAML/) });
    expect(await snapshot(dir)).toBe(before);
  });

  it("a dirty working tree, naming the file", async () => {
    writeFileSync(join(dir, "notes.txt"), "work in progress\n");
    const before = await snapshot(dir);
    const result = await exitCodeOf(runSetImage({ manifests: dir, env: "production", service: "payment-service", image }, context()));
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.message).toMatch(/uncommitted changes \(notes.txt\)/);
    expect(await snapshot(dir)).toBe(before);
    await run(dir, "clean", "-fq");
  });

  it("a commit that git refuses (a failing pre-commit hook) leaves no partial edit", async () => {
    const hooks = join(dir, ".git", "test-hooks");
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, "pre-commit"), "#!/bin/sh\necho 'policy: no commits today' >&2\nexit 1\n");
    chmodSync(join(hooks, "pre-commit"), 0o755);
    await run(dir, "config", "core.hooksPath", hooks);
    const before = await snapshot(dir);
    const file = readFileSync(join(dir, "environments/production/payment-service/kustomization.yaml"), "utf8");
    const result = await exitCodeOf(runSetImage({ manifests: dir, env: "production", service: "payment-service", image }, context()));
    expect(result.code).toBe(ExitCode.External);
    expect(result.message).toContain("policy: no commits today");
    expect(await snapshot(dir)).toBe(before);
    expect(readFileSync(join(dir, "environments/production/payment-service/kustomization.yaml"), "utf8")).toBe(file);
    await run(dir, "config", "--unset", "core.hooksPath");
  });
});
