import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, run, tempDir, useTestGitEnv } from "../../test/fixtures/manifests-helpers/repo.js";
import { git, GitError, gitOutput } from "./git.js";

const dirs: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...dirs));

const leftovers = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith("horizon-git-"));

describe("gitOutput", () => {
  it("gives what git prints, through a file it removes afterwards", async () => {
    const repo = await createManifestsRepo("kustomize");
    dirs.push(repo);
    await run(repo, "commit", "--quiet", "--allow-empty", "-m", "second\n\nHorizon-Action: deploy");
    const before = leftovers();
    const args = ["log", "--format=%H %s%x1e%(trailers:only,unfold)"];
    const viaFile = await gitOutput(args, { cwd: repo });
    expect(viaFile).toBe((await git(args, { cwd: repo })).stdout);
    expect(viaFile).toContain("Horizon-Action: deploy");
    expect(leftovers()).toEqual(before);
  });

  it("fails as git does, with git's words, and leaves no file behind", async () => {
    const empty = tempDir("git-empty");
    dirs.push(empty);
    await run(empty, "init", "--quiet");
    const before = leftovers();
    await expect(gitOutput(["log"], { cwd: empty })).rejects.toBeInstanceOf(GitError);
    await expect(gitOutput(["log"], { cwd: empty })).rejects.toThrow(/does not have any commits yet/);
    expect(leftovers()).toEqual(before);
  });
});

describe("GitError", () => {
  it("keeps the failed git process as its cause (exit status, the command line)", async () => {
    const empty = tempDir("git-cause");
    dirs.push(empty);
    await run(empty, "init", "--quiet");
    const error: unknown = await git(["rev-parse", "--verify", "no-such-ref"], { cwd: empty }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    const { cause, exitStatus } = error as GitError;
    expect(exitStatus).toBe(128);
    expect(cause).toBeInstanceOf(Error);
    expect(cause).toMatchObject({ code: 128, message: expect.stringContaining("git rev-parse --verify no-such-ref") as unknown });
  });
});
