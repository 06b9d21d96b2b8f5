import { createHash } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeAll, run, tempDir, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import type { PipelineHistoryState } from "../history-state.js";
import { changedPaths, snapshotWorkingTree } from "../snapshot.js";
import { newPipelineState } from "../state.js";
import { changedStage } from "./changed.js";

const repos: string[] = [];
beforeAll(async () => {
  useTestGitEnv();
  base = await createMonorepo();
  tree = await snapshotWorkingTree(base);
});
afterAll(() => removeAll(...repos));

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const pkg = (name: string, deps: string[] = []) => `${JSON.stringify({ name, version: "1.0.0", dependencies: Object.fromEntries(deps.map((d) => [d, "*"])) }, null, 2)}\n`;

/** A committed monorepo: packages/kit, and services a and b that both depend on it. */
async function createMonorepo(): Promise<string> {
  const root = tempDir("changed");
  repos.push(root);
  write(root, "package.json", `${JSON.stringify({ name: "root", private: true, workspaces: ["packages/*", "services/*"] })}\n`);
  write(root, ".gitignore", "node_modules/\ndist/\n.horizon/\n");
  write(root, "README.md", "# monorepo\n");
  write(root, "packages/kit/package.json", pkg("@demo/kit"));
  write(root, "packages/kit/src/index.ts", "export const kit = 1;\n");
  write(root, "services/a/package.json", pkg("@demo/a", ["@demo/kit"]));
  write(root, "services/a/src/index.ts", "export const a = 1;\n");
  write(root, "services/b/package.json", pkg("@demo/b", ["@demo/kit"]));
  write(root, "services/b/src/index.ts", "export const b = 1;\n");
  await run(root, "init", "--quiet", "--initial-branch=main");
  await run(root, "add", ".");
  await run(root, "commit", "--quiet", "-m", "initial");
  return root;
}

/** Made once; each test works on its own copy (git and all). */
let base = "";
/** The snapshot a green run of the untouched monorepo recorded; every copy has its objects. */
let tree = "";

function monorepo(): string {
  const root = tempDir("changed");
  repos.push(root);
  cpSync(base, root, { recursive: true });
  return root;
}

/** Runs the "affected services" stage as the pipeline does. */
async function affected(root: string, previous: PipelineHistoryState, all = false) {
  const state = newPipelineState([]);
  const outcome = await changedStage(state, { all, previous }).run({ runDir: root, root, logFile: join(root, "changed.log"), progress: () => undefined });
  return { services: state.services, packages: state.packages, allServices: state.allServices, tree: state.tree as string, summary: outcome.summary, status: outcome.status };
}

/** The state a green run leaves behind: the tree it built. */
const green = (snapshot: string): PipelineHistoryState => ({ lastGreen: { runId: "run-1", tree: snapshot, finishedAt: "2026-11-26T06:00:00Z" } });

describe("the affected-services stage (changes since the last green run)", () => {
  it("builds every service when there is no green run yet", async () => {
    const root = monorepo();
    const result = await affected(root, {});
    expect(result.services).toEqual(["a", "b"]);
    expect(result.allServices).toEqual(["a", "b"]);
    expect(result.packages).toEqual(["kit"]);
    expect(result.summary).toBe("all 2 services (no green run yet): a, b; packages kit");
  });

  it("builds every service with --all even when nothing changed", async () => {
    const root = monorepo();
    const result = await affected(root, green(tree), true);
    expect(result.services).toEqual(["a", "b"]);
    expect(result.summary).toContain("--all");
  });

  it("builds nothing when nothing changed since the green run", async () => {
    const root = monorepo();
    const result = await affected(root, green(tree));
    expect(result.services).toEqual([]);
    expect(result.tree).toBe(tree);
    expect(result.summary).toBe("no service affected since green run run-1 (0 files changed)");
  });

  it("an uncommitted edit in services/a affects only a", async () => {
    const root = monorepo();
    appendFileSync(join(root, "services/a/src/index.ts"), "export const more = 2;\n");
    const result = await affected(root, green(tree));
    expect(result.services).toEqual(["a"]);
    expect(result.summary).toBe("a (1 file changed since green run run-1)");
  });

  it("an untracked new file in packages/kit affects every service that depends on kit", async () => {
    const root = monorepo();
    write(root, "packages/kit/src/new-helper.ts", "export const helper = 3;\n");
    const result = await affected(root, green(tree));
    expect(result.services).toEqual(["a", "b"]);
    // kit's own tests run too, not only its dependents'.
    expect(result.packages).toEqual(["kit"]);
    expect(result.summary).toBe("a, b; packages kit (1 file changed since green run run-1)");
  });

  it("a committed change after the green run counts like an uncommitted one", async () => {
    const root = monorepo();
    appendFileSync(join(root, "services/b/src/index.ts"), "export const c = 3;\n");
    await run(root, "commit", "--quiet", "-am", "change b");
    expect((await affected(root, green(tree))).services).toEqual(["b"]);
  });

  it("a documentation-only change affects nothing", async () => {
    const root = monorepo();
    appendFileSync(join(root, "README.md"), "More words.\n");
    write(root, "docs/how-to.md", "# How to\n");
    write(root, "services/a/README.md", "# a\n");
    const result = await affected(root, green(tree));
    expect(result.services).toEqual([]);
    expect(result.packages).toEqual([]);
    expect(result.summary).toBe("no service affected since green run run-1 (3 files changed)");
  });

  it("ignores what .gitignore excludes (build output, node_modules)", async () => {
    const root = monorepo();
    write(root, "services/a/dist/index.js", "export const a = 1;\n");
    write(root, "services/b/node_modules/x/index.js", "module.exports = 1;\n");
    expect((await affected(root, green(tree))).services).toEqual([]);
  });

  it("a change every build shares (the root package.json) affects all services", async () => {
    const root = monorepo();
    write(root, "package.json", `${JSON.stringify({ name: "root", private: true, workspaces: ["packages/*", "services/*"], scripts: { x: "y" } })}\n`);
    expect((await affected(root, green(tree))).services).toEqual(["a", "b"]);
  });

  it("builds everything, saying so, when the green run's snapshot no longer exists", async () => {
    const root = monorepo();
    const result = await affected(root, green("0123456789abcdef0123456789abcdef01234567"));
    expect(result.services).toEqual(["a", "b"]);
    expect(result.summary).toBe("all services: the last green run's snapshot is gone (0123456789ab); packages kit");
  });
});

describe("snapshotWorkingTree", () => {
  it("leaves the user's index, staged changes and working tree exactly as they were", async () => {
    const root = monorepo();
    appendFileSync(join(root, "services/a/src/index.ts"), "export const staged = 1;\n");
    await run(root, "add", "services/a/src/index.ts");
    appendFileSync(join(root, "services/a/src/index.ts"), "export const unstaged = 2;\n");
    write(root, "services/b/src/untracked.ts", "export const u = 1;\n");
    const index = join(root, ".git/index");
    const before = {
      status: await run(root, "status", "--porcelain=v1", "--untracked-files=all"),
      cached: await run(root, "diff", "--cached"),
      unstaged: await run(root, "diff"),
      head: await run(root, "rev-parse", "HEAD"),
      index: createHash("sha256").update(readFileSync(index)).digest("hex"),
    };
    const snapshot = await snapshotWorkingTree(root);
    const after = {
      status: await run(root, "status", "--porcelain=v1", "--untracked-files=all"),
      cached: await run(root, "diff", "--cached"),
      unstaged: await run(root, "diff"),
      head: await run(root, "rev-parse", "HEAD"),
      index: createHash("sha256").update(readFileSync(index)).digest("hex"),
    };
    expect(after).toEqual(before);
    expect(before.status.split("\n")).toEqual(["MM services/a/src/index.ts", "?? services/b/src/untracked.ts"]);
    // The snapshot holds the working tree's content, untracked file and unstaged edit included.
    expect(await run(root, "show", `${snapshot}:services/a/src/index.ts`)).toContain("export const unstaged = 2;");
    expect(await run(root, "show", `${snapshot}:services/b/src/untracked.ts`)).toBe("export const u = 1;");
    expect(await changedPaths("HEAD", snapshot, root)).toEqual(["services/a/src/index.ts", "services/b/src/untracked.ts"]);
  });

  it("sees a deleted file as a change", async () => {
    const root = monorepo();
    const first = await snapshotWorkingTree(root);
    removeAll(join(root, "services/b/src/index.ts"));
    const second = await snapshotWorkingTree(root);
    expect(await changedPaths(first, second, root)).toEqual(["services/b/src/index.ts"]);
  });
});
