import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { removeAll, tempDir } from "../../../test/fixtures/manifests-helpers/repo.js";
import { newPipelineState, type PipelineState } from "../state.js";
import type { Stage } from "../types.js";
import { buildPackagesStage, buildStage, imageStage } from "./build.js";
import { lintStage } from "./checks.js";

/**
 * The build, image and lint stages on a temporary npm-workspaces monorepo
 * (real npm, real ESLint from this repository's node_modules): what they run,
 * and that a failure fails the stage with the reason in its summary.
 */
const REPO_NODE_MODULES = resolve(fileURLToPath(new URL("../../../../../", import.meta.url)), "node_modules");
const dirs: string[] = [];
const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});
afterAll(() => removeAll(...dirs));

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** services/good builds (and records the arguments it got), services/bad's build exits 1 saying why; the two shared packages build. */
function monorepo(): string {
  const root = tempDir("build-stages");
  dirs.push(root);
  symlinkSync(REPO_NODE_MODULES, join(root, "node_modules"), "dir");
  const build = (script: string) => JSON.stringify({ scripts: { build: script } });
  write(root, {
    "package.json": JSON.stringify({ name: "root", private: true, type: "module", workspaces: ["packages/*", "services/*"] }),
    "packages/contracts/package.json": JSON.stringify({ name: "@blessed-horizon/contracts", ...JSON.parse(build("node -e \"require('fs').mkdirSync('dist',{recursive:true})\" --")) }),
    "packages/service-kit/package.json": JSON.stringify({ name: "@blessed-horizon/service-kit", ...JSON.parse(build("node -e \"require('fs').mkdirSync('dist',{recursive:true})\" --")) }),
    "services/good/package.json": JSON.stringify({ name: "good", ...JSON.parse(build("node -e \"require('fs').writeFileSync('built-with.txt', process.argv.slice(1).join(' '))\" --")) }),
    "services/bad/package.json": JSON.stringify({ name: "bad", ...JSON.parse(build("node -e \"console.error('src/app.ts(3,7): error TS2322: nope'); process.exit(1)\" --")) }),
    "docker/service/Dockerfile": "FROM scratch\n",
    "eslint.config.js": 'export default [{ files: ["**/*.js"], rules: { "no-unused-vars": "error", "no-undef": "off" } }];\n',
    "services/good/src/index.js": "export const used = 1;\n",
    "services/bad/src/index.js": "const unused = 1;\nconst alsoUnused = 2;\nexport {};\n",
  });
  return root;
}

function state(services: string[]): PipelineState {
  const s = newPipelineState(services);
  s.services = services;
  return s;
}

const run = (stage: Stage, root: string) => stage.run({ runDir: root, root, logFile: join(root, `${stage.id}.log`), progress: () => undefined });

describe("build stages", () => {
  it("builds the shared packages once, emit-only", async () => {
    const root = monorepo();
    const outcome = await run(buildPackagesStage(state(["good"])), root);
    expect(outcome).toMatchObject({ status: "passed", summary: "tsc built packages/contracts, packages/service-kit" });
  });

  it("builds a service with --noCheck (the typecheck stage has checked it), and a failing build fails with tsc's words", async () => {
    const root = monorepo();
    expect(await run(buildStage(state(["good", "bad"]), "good"), root)).toMatchObject({ status: "passed", summary: "tsc built services/good/dist" });
    expect(readFileSync(join(root, "services/good/built-with.txt"), "utf8")).toBe("--noCheck");
    const failed = await run(buildStage(state(["good", "bad"]), "bad"), root);
    expect(failed.status).toBe("failed");
    expect(failed.summary).toBe("build failed: src/app.ts(3,7): error TS2322: nope");
  });

  it("a service the change does not affect is skipped, saying so", () => {
    const stage = buildStage(state(["good"]), "bad");
    expect(stage.when?.([])).toBe("not affected by this change");
  });
});

describe("image stage", () => {
  it("builds with the engine that answers, from the one service Dockerfile with SERVICE set, tagged with the run; a failed build fails", async () => {
    const root = monorepo();
    // A stand-in for docker on PATH: answers `info`, records `build`'s arguments, fails for the bad service.
    const bin = tempDir("fake-docker");
    dirs.push(bin);
    const calls = join(bin, "calls.txt");
    writeFileSync(
      join(bin, "docker"),
      `#!/bin/sh\nif [ "$1" = info ]; then exit 0; fi\necho "$@" >> ${calls}\ncase "$*" in *SERVICE=bad*) echo "failed to solve: services/bad/package.json: not found" >&2; exit 1;; esac\n`,
    );
    chmodSync(join(bin, "docker"), 0o755);
    process.env.PATH = `${bin}:${savedPath ?? ""}`;
    const good = await run(imageStage(state(["good", "bad"]), "good", () => "run-9"), root);
    expect(good).toMatchObject({ status: "passed", summary: "docker built blessed-horizon/good:run-9" });
    expect(readFileSync(calls, "utf8")).toContain("build -f docker/service/Dockerfile --build-arg SERVICE=good -t blessed-horizon/good:run-9 --build-arg VERSION=run-9 .");
    const bad = await run(imageStage(state(["good", "bad"]), "bad", () => "run-9"), root);
    expect(bad.status).toBe("failed");
    expect(bad.summary).toContain("failed to solve");
  });
});

describe("lint stage", () => {
  it("lints every affected service in one ESLint run and counts errors per service", async () => {
    const root = monorepo();
    const outcome = await run(lintStage(state(["good", "bad"])), root);
    expect(outcome.status).toBe("failed");
    expect(outcome.summary).toBe("eslint: bad: 2 error(s) (see lint.json)");
  });

  it("passes when the affected services are clean, naming them", async () => {
    const root = monorepo();
    expect(await run(lintStage(state(["good"])), root)).toMatchObject({ status: "passed", summary: "no lint errors in good" });
  });
});
