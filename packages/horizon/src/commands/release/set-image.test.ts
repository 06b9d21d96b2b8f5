import { execFile } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, REPO_ROOT, removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode, ExitError } from "../../errors.js";
import { readReleaseHistory } from "../../gitops/release-log.js";
import { findExecutable } from "../../io/process.js";
import { runPromote } from "./promote.js";
import { runRollback } from "./rollback.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";

const execFileAsync = promisify(execFile);
const repos: string[] = [];
let output = "";
// A fixed clock inside deploy/promotion-policy.yaml's production window (Tuesday 1 December 2026, 11:00 in Berlin):
// with the real one, the production cases failed after 17:00 Berlin time and during the year-end freeze.
const context = (): CommandContext => ({ cwd: "/", write: (t) => void (output += t), now: () => new Date("2026-12-01T10:00:00Z") });

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

// Issue 12, 4c: the migration Job runs the db-migrate built from the same source commit as the
// service image, for tags and digests alike. Rendered with the real `kubectl kustomize`: its
// images transformer writes a digest without the tag (kustomize api/filters/imagetag/updater.go),
// and the old overlays' replacements copied the text after ":" (api/filters/replacement/replacement.go,
// strings.Split(value, options.delimiter)[options.index]) into the Job, which became db-migrate:<digest hex>.
const kubectl = await findExecutable("kubectl");

describe.skipIf(!kubectl)("release set-image on a manifests repo made of deploy/, rendered by kubectl kustomize", { timeout: 60_000 }, () => {
  const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon";
  const COMMIT = "0123456789abcdef0123456789abcdef01234567";
  const DIGEST = `sha256:${"cd".repeat(32)}`;

  async function deployRepo(): Promise<string> {
    const dir = tempDir("manifests-deploy");
    repos.push(dir);
    cpSync(join(REPO_ROOT, "deploy"), dir, { recursive: true });
    await run(dir, "init", "--quiet", "--initial-branch=main");
    await run(dir, "add", ".");
    await run(dir, "commit", "--quiet", "-m", "manifests from deploy/");
    return dir;
  }

  /** The images `kubectl kustomize environments/<env>` gives the service's Deployment and its migration Job. */
  async function rendered(dir: string, env: string, service: string): Promise<{ deployment: string; job: string }> {
    const { stdout } = await execFileAsync(kubectl as string, ["kustomize", `environments/${env}`], { cwd: dir, maxBuffer: 32 * 1024 * 1024 });
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { template?: { spec?: { containers?: { image?: string }[] } } } });
    const image = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name)?.spec?.template?.spec?.containers?.[0]?.image;
    return { deployment: image("Deployment", service) ?? "", job: image("Job", `${service}-migrate`) ?? "" };
  }

  it("a digest with --source-sha: the Deployment pulls the digest, the Job runs db-migrate:<source commit>", async () => {
    const dir = await deployRepo();
    const outcome = await runSetImage(
      { manifests: dir, env: "development", service: "campaign-service", image: `${REGISTRY}/campaign-service@${DIGEST}`, sourceSha: COMMIT },
      context(),
    );
    expect(outcome.status).toBe("committed");
    expect(await rendered(dir, "development", "campaign-service")).toEqual({
      deployment: `${REGISTRY}/campaign-service:${COMMIT}@${DIGEST}`,
      job: `${REGISTRY}/db-migrate:${COMMIT}`,
    });
    const [record] = await readReleaseHistory(dir);
    expect(record?.services[0]?.image).toBe(`${REGISTRY}/campaign-service:${COMMIT}@${DIGEST}`);
  });

  it("a tag and a digest: the Job runs db-migrate with that tag", async () => {
    const dir = await deployRepo();
    await runSetImage({ manifests: dir, env: "staging", service: "payment-service", image: `${REGISTRY}/payment-service:${COMMIT}@${DIGEST}` }, context());
    expect((await rendered(dir, "staging", "payment-service")).job).toBe(`${REGISTRY}/db-migrate:${COMMIT}`);
  });

  it("a tag, as update-manifests.yml sets it: the Job runs db-migrate with the same tag; other services keep theirs", async () => {
    const dir = await deployRepo();
    const before = await rendered(dir, "production", "trust-service");
    await runSetImage({ manifests: dir, env: "production", service: "notification-service", image: `${REGISTRY}/notification-service:${COMMIT}` }, context());
    expect(await rendered(dir, "production", "notification-service")).toEqual({ deployment: `${REGISTRY}/notification-service:${COMMIT}`, job: `${REGISTRY}/db-migrate:${COMMIT}` });
    expect(await rendered(dir, "production", "trust-service")).toEqual(before);
  });

  it("promote and rollback carry the db-migrate of the image they deploy (they write through the same images: update)", async () => {
    const dir = await deployRepo();
    // No soak or window to wait for here: promotion-policy.yaml is not what this test is about.
    await run(dir, "rm", "--quiet", "promotion-policy.yaml");
    await run(dir, "commit", "--quiet", "-m", "no promotion policy");
    const before = await rendered(dir, "development", "campaign-service");
    await runSetImage({ manifests: dir, env: "development", service: "campaign-service", image: `${REGISTRY}/campaign-service@${DIGEST}`, sourceSha: COMMIT }, context());
    await runPromote({ manifests: dir, from: "development", to: "staging", service: ["campaign-service"] }, context());
    expect(await rendered(dir, "staging", "campaign-service")).toEqual({ deployment: `${REGISTRY}/campaign-service:${COMMIT}@${DIGEST}`, job: `${REGISTRY}/db-migrate:${COMMIT}` });
    await runRollback({ manifests: dir, env: "development", service: "campaign-service" }, context());
    expect(await rendered(dir, "development", "campaign-service")).toEqual(before);
  });

  it("a digest without --source-sha: exit 2, saying that nothing names the Job's db-migrate, and no commit", async () => {
    const dir = await deployRepo();
    const before = await snapshot(dir);
    const result = await exitCodeOf(runSetImage({ manifests: dir, env: "development", service: "campaign-service", image: `${REGISTRY}/campaign-service@${DIGEST}` }, context()));
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.message).toMatch(/has no tag, so nothing names the db-migrate image of its source commit.*--source-sha/);
    expect(await snapshot(dir)).toBe(before);
  });

  it("a digest with an abbreviated --source-sha: exit 2 (CI tags images with the full commit)", async () => {
    const dir = await deployRepo();
    const result = await exitCodeOf(
      runSetImage({ manifests: dir, env: "development", service: "campaign-service", image: `${REGISTRY}/campaign-service@${DIGEST}`, sourceSha: "0123456" }, context()),
    );
    expect(result).toMatchObject({ code: ExitCode.Usage, message: expect.stringContaining("--source-sha 0123456 is abbreviated") });
  });
});
