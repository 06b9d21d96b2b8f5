import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRepo, hasSshKeygen, rejection, removeAll, REPO_ROOT, run, tempDir, TEST_GIT_ENV, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode } from "../../errors.js";
import { BackupRecordSchema } from "../../gitops/bundle-record.js";
import type { BackupRecord } from "../../gitops/bundle-record.js";
import { ensureManifestsRepo } from "../../pipeline/manifests-repo.js";
import { findExecutable } from "../../io/process.js";
import { runBackup } from "../backup/backup.js";
import { runRollback } from "../release/rollback.js";
import { runSetImage } from "../release/set-image.js";
import { runRestore } from "./restore.js";

// horizon backup and horizon restore on real repositories: git bundle (git-bundle(1): create --all, verify),
// sha256 of each file, and the record's %G? (git-log(1) pretty formats) before and after.
const kubectl = await findExecutable("kubectl");

const dirs: string[] = [];
const temp = (prefix: string): string => {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
};
let out = "";
const context = { cwd: "/", write: (t: string) => void (out += t), warn: () => undefined };
const image = (service: string, tag: string): string => `123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon/${service}:${tag}`;
const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");
const readRecord = (backup: string): BackupRecord => BackupRecordSchema.parse(JSON.parse(readFileSync(join(backup, "manifest.json"), "utf8")));
/** Nothing half-written: no --into, and no partial folder beside it. */
const nothingAt = (into: string): void => {
  expect(existsSync(into)).toBe(false);
  expect(readdirSync(dirname(into)).filter((f) => f.includes(".partial-"))).toEqual([]);
};

let manifests = "";
let app = "";
let backup = "";
let signedCommit = "";
let keys = "";

beforeAll(async () => {
  useTestGitEnv();
  manifests = join(temp("backup-src"), "manifests");
  await ensureManifestsRepo(REPO_ROOT, manifests);
  await runSetImage({ manifests, env: "development", service: "payment-service", image: image("payment-service", "a".repeat(40)) }, context);
  if (hasSshKeygen) {
    // One release signed with an SSH key, as a release bot's would be (git's gpg.format=ssh).
    keys = temp("keys");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(keys, "id"), "-C", "release-bot"]);
    writeFileSync(join(keys, "allowed"), `${String(TEST_GIT_ENV.GIT_COMMITTER_EMAIL)} ${readFileSync(join(keys, "id.pub"), "utf8").trim()}\n`);
    for (const [k, v] of [["gpg.format", "ssh"], ["user.signingkey", join(keys, "id.pub")], ["commit.gpgsign", "true"]]) await run(manifests, "config", k, v);
    // Verification is the machine's config (a restored repository has no .git/config of its own): both sides see it.
    Object.assign(process.env, { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "gpg.ssh.allowedSignersFile", GIT_CONFIG_VALUE_0: join(keys, "allowed") });
    await runSetImage({ manifests, env: "development", service: "payment-service", image: image("payment-service", "b".repeat(40)) }, context);
    signedCommit = await run(manifests, "rev-parse", "HEAD");
    await run(manifests, "config", "commit.gpgsign", "false");
  } else {
    await runSetImage({ manifests, env: "development", service: "payment-service", image: image("payment-service", "b".repeat(40)) }, context);
  }
  await runRollback({ manifests, env: "development", service: "payment-service", cause: "canary-failed" }, context);
  await run(manifests, "tag", "release-1");
  await run(manifests, "branch", "hotfix", "HEAD~1");
  app = await createAppRepo("backup-app");
  dirs.push(app);
  backup = join(temp("backup-out"), "2026-12-01");
  await runBackup({ manifests, repo: app, out: backup }, context);
}, 60_000);
afterAll(() => {
  removeAll(...dirs);
  for (const k of ["GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0"]) delete process.env[k];
});

describe("horizon backup", () => {
  it("writes one verified bundle per repository and manifest.json with each file's sha256, size and HEAD", async () => {
    expect(readdirSync(backup).sort()).toEqual(["application.bundle", "manifest.json", "manifests.bundle"]);
    const record = readRecord(backup);
    for (const [name, repo] of [["manifests", manifests], ["application", app]] as const) {
      const bundle = record.bundles[name]!;
      const file = join(backup, bundle.file);
      expect(bundle.sha256).toBe(sha256(file));
      expect(bundle.size).toBe(readFileSync(file).length);
      expect(bundle.head).toBe(await run(repo, "rev-parse", "HEAD"));
      expect(bundle.branch).toBe("main");
      // git bundle verify, run by someone else: complete (no prerequisites) and readable.
      expect(await run(repo, "bundle", "verify", file)).toContain("The bundle records a complete history.");
    }
    expect(Object.keys(record.bundles.manifests.refs).sort()).toEqual(["HEAD", "refs/heads/hotfix", "refs/heads/main", "refs/tags/release-1"]);
  });

  it("records the signature status (%G?) of every commit of the record", async () => {
    const signatures = readRecord(backup).bundles.manifests.signatures ?? {};
    const releases = (await run(manifests, "log", "--format=%H %G?", "--grep=Horizon-Action")).split("\n");
    expect(releases).toHaveLength(3);
    for (const line of releases) {
      const [commit = "", status = ""] = line.split(" ");
      expect(signatures[commit], commit).toBe(status);
    }
    if (signedCommit) expect(signatures[signedCommit]).toBe("G");
  });

  it("refuses an --out that is not empty (exit 2) and leaves it as it was", async () => {
    const error = await rejection(runBackup({ manifests, out: backup }, context));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toContain(`--out ${backup} is not empty`);
    expect(readdirSync(backup).sort()).toEqual(["application.bundle", "manifest.json", "manifests.bundle"]);
    expect(readdirSync(dirname(backup)).filter((f) => f.includes(".partial-"))).toEqual([]);
  });

  it("refuses a --manifests or --repo that is not a git repository (exit 2), writing nothing", async () => {
    const target = join(temp("o"), "b");
    const notGit = temp("not-git");
    const error = await rejection(runBackup({ manifests: notGit, out: target }, context));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toContain(`${notGit} is not a git repository`);
    const repoError = await rejection(runBackup({ manifests, repo: notGit, out: target }, context));
    expect(repoError.exitCode).toBe(ExitCode.Usage);
    expect(repoError.message).toBe(`--repo ${notGit} is not a git repository with at least one commit`);
    nothingAt(target);
  });
});

describe("horizon restore: bad input is exit 2 naming the problem, and nothing is written", () => {
  const copyOfBackup = (): string => {
    const copy = join(temp("backup-copy"), "b");
    mkdirSync(copy);
    for (const f of readdirSync(backup)) writeFileSync(join(copy, f), readFileSync(join(backup, f)));
    return copy;
  };

  it("a bundle that is missing", async () => {
    const copy = copyOfBackup();
    rmSync(join(copy, "application.bundle"));
    const into = join(temp("into"), "restored");
    const error = await rejection(runRestore({ from: copy, into }, context));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toContain(`${join(copy, "application.bundle")} is missing`);
    nothingAt(into);
  });

  it("a bundle whose checksum does not match, named", async () => {
    const copy = copyOfBackup();
    appendFileSync(join(copy, "manifests.bundle"), "x");
    const into = join(temp("into"), "restored");
    const error = await rejection(runRestore({ from: copy, into, verify: true }, context));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toMatch(new RegExp(`^${join(copy, "manifests.bundle").replace(/[.]/g, "\\.")} does not match manifest\\.json: sha256 [0-9a-f]{64}`));
    nothingAt(into);
  });

  it("a folder without manifest.json", async () => {
    const error = await rejection(runRestore({ from: temp("empty"), into: join(temp("into"), "r") }, context));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toContain("manifest.json is missing");
  });

  it("an --into that is not empty", async () => {
    const into = temp("into-full");
    writeFileSync(join(into, "keep.txt"), "mine");
    const error = await rejection(runRestore({ from: backup, into }, context));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toContain(`--into ${into} is not empty (keep.txt)`);
    expect(readdirSync(into)).toEqual(["keep.txt"]);
  });
});

describe("horizon restore --verify", () => {
  it("rebuilds both repositories with every branch and tag, HEAD on main", async () => {
    const into = join(temp("into"), "restored");
    out = "";
    await runRestore({ from: backup, into, kubectl: null }, context);
    for (const [name, repo] of [["manifests", manifests], ["application", app]] as const) {
      const refs = (dir: string) => run(dir, "for-each-ref", "--format=%(refname) %(objectname)");
      expect(await refs(join(into, name))).toBe(await refs(repo));
      expect(await run(join(into, name), "symbolic-ref", "--short", "HEAD")).toBe("main");
      expect(await run(join(into, name), "status", "--porcelain")).toBe("");
    }
    expect(out).toContain(`restored manifests repository into ${join(into, "manifests")}: HEAD `);
  });

  it("keeps a detached HEAD detached (a CI checkout of a commit)", async () => {
    const source = join(temp("detached"), "manifests");
    await run(dirname(source), "clone", "--quiet", manifests, source);
    await run(source, "checkout", "--quiet", "--detach", "HEAD~1");
    const detached = join(temp("detached-backup"), "b");
    const record = await runBackup({ manifests: source, out: detached }, context);
    expect(record.bundles.manifests.branch).toBeNull();
    const into = join(temp("into"), "r");
    await runRestore({ from: detached, into, kubectl: null }, context);
    expect(await run(join(into, "manifests"), "rev-parse", "HEAD")).toBe(await run(source, "rev-parse", "HEAD"));
    expect(await run(join(into, "manifests"), "rev-parse", "--abbrev-ref", "HEAD")).toBe("HEAD");
  });

  it("without kubectl: restores, and says the environments were not rendered", async () => {
    const into = join(temp("into"), "restored");
    out = "";
    const outcome = await runRestore({ from: backup, into, verify: true, kubectl: null }, context);
    expect(outcome.verification?.environments.map((e) => e.objects)).toEqual([null, null, null]);
    expect(out).toContain("environments/production: not rendered (no kubectl)");
    expect(out).toContain("skipped: kubectl not found");
  });

  it.skipIf(!kubectl)("renders and validates every environment and prints what each would run: the last deployment, holds honoured", async () => {
    const into = join(temp("into"), "restored");
    out = "";
    const outcome = await runRestore({ from: backup, into, verify: true }, context);
    const v = outcome.verification!;
    expect(v.findings).toEqual([]);
    expect(v.environments.map((e) => e.environment)).toEqual(["development", "production", "staging"]);
    for (const e of v.environments) expect(e.objects, e.environment).toBeGreaterThan(20);
    // The rollback put a back in development and held b: development runs a, since the rollback.
    const payment = v.running.find((r) => r.environment === "development" && r.service === "payment-service");
    expect(payment).toMatchObject({ image: image("payment-service", "a".repeat(40)), hold: null, since: { action: "rollback" } });
    expect(out).toMatch(/development\s+payment-service\s+\S+:a{40}\s+since \S+ \(rollback [0-9a-f]{12}\)/);
    expect(v.signatures.mismatches).toEqual([]);
  }, 60_000);

  it("says so when an environment would run a held image (a hand edit put it back)", async () => {
    const source = join(temp("held"), "manifests");
    await run(dirname(source), "clone", "--quiet", manifests, source);
    const file = join(source, "environments/development/payment-service/kustomization.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("a".repeat(40), "b".repeat(40)));
    await run(source, "commit", "--quiet", "-am", "hand edit");
    const held = join(temp("held-backup"), "b");
    await runBackup({ manifests: source, out: held }, context);
    out = "";
    const outcome = await runRestore({ from: held, into: join(temp("into"), "r"), verify: true, kubectl: null }, context);
    expect(outcome.verification?.running.find((r) => r.environment === "development" && r.service === "payment-service")?.hold).not.toBeNull();
    expect(out).toMatch(/development\s+payment-service\s+\S+:b{40}\s+since \S+ \(unmanaged [0-9a-f]{12}\)\s+HELD \(.*\): roll it back before Argo CD syncs/);
  });

  it("refuses a history whose signature status differs from the record (exit 1), naming the commit, and writes nothing", async () => {
    const tampered = join(temp("tampered"), "b");
    mkdirSync(tampered);
    for (const f of readdirSync(backup)) writeFileSync(join(tampered, f), readFileSync(join(backup, f)));
    const record = readRecord(tampered);
    const commit = Object.keys(record.bundles.manifests.signatures ?? {}).find((c) => c !== signedCommit) ?? "";
    record.bundles.manifests.signatures = { ...record.bundles.manifests.signatures, [commit]: "G" };
    if (signedCommit) record.bundles.manifests.signatures[signedCommit] = "N";
    writeFileSync(join(tampered, "manifest.json"), JSON.stringify(record));
    const into = join(temp("into"), "restored");
    const error = await rejection(runRestore({ from: tampered, into, verify: true, kubectl: null }, context));
    expect(error.exitCode).toBe(ExitCode.CheckFailed);
    const original = readRecord(backup).bundles.manifests.signatures ?? {};
    expect(error.message).toContain(`commit ${commit}: signature status ${original[commit]} after the restore, G in the backup's record`);
    if (signedCommit) expect(error.message).toContain(`commit ${signedCommit}: signature status G after the restore, N in the backup's record`);
    nothingAt(into);
  });

  it.skipIf(!hasSshKeygen)("refuses a restore on a machine that cannot verify the signed release (no allowed signers)", async () => {
    const saved = process.env.GIT_CONFIG_COUNT;
    delete process.env.GIT_CONFIG_COUNT;
    try {
      const into = join(temp("into"), "restored");
      const error = await rejection(runRestore({ from: backup, into, verify: true, kubectl: null }, context));
      expect(error.exitCode).toBe(ExitCode.CheckFailed);
      expect(error.message).toMatch(new RegExp(`commit ${signedCommit}: signature status [^G] after the restore, G in the backup's record`));
      nothingAt(into);
    } finally {
      process.env.GIT_CONFIG_COUNT = saved;
    }
  });
});
