import { readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeAll, run, tempDir } from "../../test/fixtures/manifests-helpers/repo.js";
import { gitText } from "../io/git.js";
import { ensureManifestsRepo } from "./manifests-repo.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const dirs: string[] = [];
afterAll(() => removeAll(...dirs));

/** The environment a fresh machine has: no git identity anywhere. */
const noIdentity = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
  for (const key of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"]) delete env[key];
  return env;
};

describe("ensureManifestsRepo (the local stand-in for k8s-manifests)", () => {
  it("creates a git repo holding exactly deploy/ on first use, even on a machine without a git identity, and reuses it afterwards", async () => {
    const dir = join(tempDir("manifests-repo"), "manifests");
    dirs.push(join(dir, ".."));
    const saved = process.env;
    process.env = noIdentity();
    try {
      expect(await ensureManifestsRepo(REPO_ROOT, dir)).toEqual({ created: true });
    } finally {
      process.env = saved;
    }
    const files = (await run(dir, "ls-files")).split("\n");
    const deployFiles = readdirSync(join(REPO_ROOT, "deploy"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(join(REPO_ROOT, "deploy"), join(e.parentPath, e.name)));
    expect(files.sort()).toEqual(deployFiles.sort());
    expect(await run(dir, "status", "--porcelain")).toBe("");
    expect(await run(dir, "log", "--format=%an <%ae>")).toBe("horizon pipeline <pipeline@horizon.local>");

    writeFileSync(join(dir, "environments/marker.txt"), "local change\n");
    const head = await run(dir, "rev-parse", "HEAD");
    expect(await ensureManifestsRepo(REPO_ROOT, dir)).toEqual({ created: false });
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    expect(await run(dir, "status", "--porcelain")).toBe("?? environments/marker.txt");
  });

  it("keeps the user's own git identity when there is one", async () => {
    const dir = join(tempDir("manifests-repo"), "manifests");
    dirs.push(join(dir, ".."));
    const saved = process.env;
    const gitconfig = join(dir, "..", "gitconfig");
    writeFileSync(gitconfig, "[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n");
    process.env = { ...noIdentity(), GIT_CONFIG_GLOBAL: gitconfig };
    try {
      await ensureManifestsRepo(REPO_ROOT, dir);
    } finally {
      process.env = saved;
    }
    expect(await gitText(["log", "--format=%an <%ae>"], { cwd: dir, env: { GIT_CONFIG_GLOBAL: gitconfig } })).toBe("Ada Lovelace <ada@example.org>");
    expect(await gitText(["config", "--local", "--get-regexp", "^user\\."], { cwd: dir }).catch(() => "")).toBe("");
  });
});
