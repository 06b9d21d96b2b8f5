import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, run, tempDir, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { runSetImage } from "../commands/release/set-image.js";
import { assertCleanRepository } from "./repo.js";

const dirs: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...dirs));

const temp = (prefix: string): string => {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
};

describe("assertCleanRepository", () => {
  it("refuses a folder that does not exist, one that is no repository, and a repository without a commit", async () => {
    await expect(assertCleanRepository(join(temp("gone"), "nothing"))).rejects.toThrow("does not exist");
    const plain = temp("plain");
    await expect(assertCleanRepository(plain)).rejects.toThrow(`${plain} is not a git repository with at least one commit`);
    const empty = temp("empty");
    await run(empty, "init", "--quiet");
    await expect(assertCleanRepository(empty)).rejects.toThrow(`${empty} is not a git repository with at least one commit`);
  });

  it("names the uncommitted files, modified and untracked alike, and passes a clean repository", async () => {
    const repo = await createManifestsRepo("kustomize");
    dirs.push(repo);
    await expect(assertCleanRepository(repo)).resolves.toBeUndefined();
    writeFileSync(join(repo, "notes.txt"), "mine");
    const file = join(repo, "environments/staging/campaign-service/kustomization.yaml");
    writeFileSync(file, `${readFileSync(file, "utf8")}# edited\n`);
    await expect(assertCleanRepository(repo)).rejects.toThrow(/uncommitted changes \(environments\/staging\/campaign-service\/kustomization.yaml, notes.txt\)/);
  });
});

describe("a release's git work", () => {
  it("set-image runs git four times: one status for repository and cleanliness, add, commit, and reading the new commit", async () => {
    const repo = await createManifestsRepo("kustomize");
    dirs.push(repo);
    // A git on PATH that logs each call, then runs the real one.
    const bin = temp("git-shim");
    const log = join(bin, "calls.log");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "git"), `#!/bin/sh\necho "$1" >> "${log}"\nexec /usr/bin/git "$@"\n`);
    chmodSync(join(bin, "git"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ""}`;
    try {
      const outcome = await runSetImage({ manifests: repo, env: "staging", service: "campaign-service", image: "ghcr.io/blessed-horizon/campaign-service:sha-2222222" }, { cwd: "/", write: () => undefined });
      expect(outcome.status).toBe("committed");
    } finally {
      process.env.PATH = path;
    }
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["status", "add", "commit", "rev-parse"]);
  });
});
