import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, useTestGitEnv } from "./fixtures/manifests-helpers/repo.js";

/** `horizon` as a user runs it: the bin, as a process, on the dist/ that `npm ci` built. */
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(PACKAGE_DIR, "bin", "horizon.js");
const REPO_NODE_MODULES = resolve(PACKAGE_DIR, "..", "..", "node_modules");

const temps: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "horizon-bin-"));
  temps.push(dir);
  return dir;
};
beforeAll(() => useTestGitEnv());
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const clean = { ...process.env };
  delete clean.CI;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { env: { ...clean, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Runs the bin with a load hook (module.registerHooks, Node >= 22.15) that records every module the process loads. */
async function withLoadLog(args: string[]): Promise<{ run: Run; loaded: string[] }> {
  const dir = tempDir();
  const hook = join(dir, "record-loads.mjs");
  const log = join(dir, "loaded.txt");
  writeFileSync(
    hook,
    `import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";
const loaded = [];
registerHooks({ load(url, context, nextLoad) { loaded.push(url); return nextLoad(url, context); } });
process.on("exit", () => writeFileSync(${JSON.stringify(log)}, loaded.join("\\n")));
`,
  );
  const run = await node(["--import", hook, BIN, ...args]);
  return { run, loaded: readFileSync(log, "utf8").split("\n").filter((url) => url.startsWith("file:")) };
}

/** The npm packages among the loaded files. */
const packagesOf = (loaded: readonly string[]): string[] => [...new Set(loaded.filter((url) => url.includes("/node_modules/")).map((url) => url.split("/node_modules/").at(-1)?.split("/")[0] ?? ""))];

describe("the horizon bin", () => {
  it("--version prints the package's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string };
    const run = await node([BIN, "--version"]);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("--help loads commander and horizon's command definitions, and no command's implementation or its dependencies", async () => {
    const { run, loaded } = await withLoadLog(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: horizon");
    expect(packagesOf(loaded)).toEqual(["commander"]);
    // Only the entry point, the error types and the option definitions (with the one constant a help text shows).
    const ownFiles = loaded.filter((url) => url.includes("/packages/horizon/dist/")).map((url) => url.split("/packages/horizon/dist/")[1]);
    const definitionsOnly = /^(cli|errors|commands\/cli-support|commands\/[a-z]+\/command|core\/license-policy)\.js$/;
    expect(ownFiles.filter((file) => !definitionsOnly.test(file ?? ""))).toEqual([]);
    // One definition file per command src/cli.ts registers.
    const registered = readFileSync(join(PACKAGE_DIR, "src", "cli.ts"), "utf8").match(/^\s+register\w+\(program\);$/gm) ?? [];
    expect(registered.length).toBeGreaterThanOrEqual(14);
    expect(ownFiles.filter((file) => file?.endsWith("/command.js"))).toHaveLength(registered.length);
  });

  it("backup --help and restore --help load no implementation (no git bundle code, no zod, no validate)", async () => {
    for (const command of ["backup", "restore"]) {
      const { run, loaded } = await withLoadLog([command, "--help"]);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toContain(command === "backup" ? "--manifests <dir>" : "--into <dir>");
      expect(packagesOf(loaded), command).toEqual(["commander"]);
      expect(loaded.filter((url) => /\/(commands\/(backup\/backup|restore\/restore)|pipeline\/recovery-drill|gitops\/bundle[^/]*)\.js$/.test(url)), command).toEqual([]);
    }
  });

  it("flags set --help loads no flag implementation and not flagd-core", async () => {
    const { run, loaded } = await withLoadLog(["flags", "set", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--rollout <percent>");
    expect(packagesOf(loaded)).toEqual(["commander"]);
    expect(loaded.filter((url) => /\/(commands\/flags\/(set|promote|shared)|gitops\/flags[^/]*)\.js$/.test(url))).toEqual([]);
  });

  it("history, dora and compliance load neither the YAML parser nor zod: they read git, not manifests (issue 14, start-up)", async () => {
    const manifests = await createManifestsRepo("kustomize");
    temps.push(manifests);
    const month = new Date().toISOString().slice(0, 7);
    for (const args of [
      ["release", "history", "--manifests", manifests],
      ["dora", "--manifests", manifests, "--env", "production"],
      ["compliance", "--manifests", manifests, "--month", month],
    ]) {
      const { run, loaded } = await withLoadLog(args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      expect(packagesOf(loaded), args.join(" ")).toEqual(["commander"]);
    }
  });

  it("runs a command's implementation when the command is called", async () => {
    const run = await node([BIN, "changed", "--base", "no-such-ref-anywhere"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no-such-ref-anywhere");
  });
});

/** A package laid out like this one, with the real bin, a one-file source and a dist/ that says which build it is. */
function fakePackage(dir = tempDir(), dependencies: Record<string, string> = {}): { dir: string; touchSource: (secondsAgo: number) => void } {
  mkdirSync(join(dir, "bin"), { recursive: true });
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "dist"));
  for (const file of ["horizon.js", "build-check.js"]) copyFileSync(join(PACKAGE_DIR, "bin", file), join(dir, "bin", file));
  symlinkSync(REPO_NODE_MODULES, join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "fake-horizon", version: "9.9.9", type: "module", dependencies }));
  writeFileSync(
    join(dir, "tsconfig.build.json"),
    JSON.stringify({ compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", rootDir: "src", outDir: "dist", types: ["node"], strict: true }, include: ["src/**/*.ts"] }),
  );
  writeFileSync(join(dir, "src", "cli.ts"), `export async function main(): Promise<number> {\n  process.stdout.write("built from the new sources\\n");\n  return 0;\n}\n`);
  writeFileSync(join(dir, "dist", "cli.js"), `export async function main() { process.stdout.write("the old build\\n"); return 0; }\n`);
  const past = (seconds: number): Date => new Date(Date.now() - seconds * 1000);
  utimesSync(join(dir, "tsconfig.build.json"), past(600), past(600));
  utimesSync(join(dir, "dist", "cli.js"), past(60), past(60));
  const touchSource = (secondsAgo: number): void => utimesSync(join(dir, "src", "cli.ts"), past(secondsAgo), past(secondsAgo));
  return { dir, touchSource };
}

describe("a dist/ older than its sources", () => {
  it("is used as it is when it is newer than every source", async () => {
    const pkg = fakePackage();
    pkg.touchSource(120);
    expect(await node([join(pkg.dir, "bin", "horizon.js")], { CI: "true" })).toMatchObject({ code: 0, stdout: "the old build\n" });
  });

  it("is refused in CI with the command that rebuilds it, and nothing runs", async () => {
    const pkg = fakePackage();
    pkg.touchSource(1);
    const run = await node([join(pkg.dir, "bin", "horizon.js")], { CI: "true" });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("src/cli.ts changed after dist/ was built");
    expect(run.stderr).toContain("npm run build -w packages/horizon");
  });

  it("is rebuilt on a laptop, and the new build runs", async () => {
    const pkg = fakePackage();
    pkg.touchSource(1);
    const run = await node([join(pkg.dir, "bin", "horizon.js")]);
    expect(run.stderr).toContain("rebuilding");
    expect(run).toMatchObject({ code: 0, stdout: "built from the new sources\n" });
    // Built once: the next call runs the new build without rebuilding.
    expect(await node([join(pkg.dir, "bin", "horizon.js")])).toMatchObject({ code: 0, stdout: "built from the new sources\n", stderr: "" });
  });

  it("counts a source saved while the build was running as changed, though tsc wrote dist/ after it", async () => {
    const pkg = fakePackage();
    // The build started 60 s ago and wrote dist/cli.js 10 s ago; the source was saved 30 s ago, in between.
    writeFileSync(join(pkg.dir, "dist", ".build-started"), String(Date.now() - 60_000));
    const tenSecondsAgo = new Date(Date.now() - 10_000);
    utimesSync(join(pkg.dir, "dist", "cli.js"), tenSecondsAgo, tenSecondsAgo);
    pkg.touchSource(30);
    const run = await node([join(pkg.dir, "bin", "horizon.js")], { CI: "true" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("src/cli.ts changed after dist/ was built");
  });

  /** A fake horizon that prints what its workspace dependency (built from src/, like @blessed-horizon/contracts) exports, with that dependency's dist/ older than its source. */
  function withStaleDependency(): string {
    const root = tempDir();
    const dep = join(root, "node_modules", "@blessed-horizon", "fake-dep");
    mkdirSync(join(dep, "src"), { recursive: true });
    mkdirSync(join(dep, "dist"));
    writeFileSync(join(dep, "package.json"), JSON.stringify({ name: "@blessed-horizon/fake-dep", type: "module", exports: { ".": "./dist/index.js" } }));
    writeFileSync(
      join(dep, "tsconfig.build.json"),
      JSON.stringify({ compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", rootDir: "src", outDir: "dist", types: [] }, include: ["src/**/*.ts"] }),
    );
    writeFileSync(join(dep, "dist", "index.js"), `export const word = "old dependency";\n`);
    writeFileSync(join(dep, "src", "index.ts"), `export const word: string = "new dependency";\n`);
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(dep, "tsconfig.build.json"), past, past);
    utimesSync(join(dep, "dist", "index.js"), past, past);
    const pkg = fakePackage(join(root, "horizon"), { "@blessed-horizon/fake-dep": "*" });
    // horizon's own dist/ is up to date and prints the dependency's word.
    writeFileSync(join(pkg.dir, "dist", "cli.js"), `import { word } from "@blessed-horizon/fake-dep";\nexport async function main() { process.stdout.write(word + "\\n"); return 0; }\n`);
    pkg.touchSource(120);
    return pkg.dir;
  }

  it("refuses in CI a workspace dependency's dist/ older than its sources, naming the dependency's build", async () => {
    const run = await node([join(withStaleDependency(), "bin", "horizon.js")], { CI: "true" });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("@blessed-horizon/fake-dep: src/index.ts changed after dist/ was built");
    expect(run.stderr).toContain("npm run build -w @blessed-horizon/fake-dep");
  });

  it("rebuilds a workspace dependency's stale dist/ on a laptop, so horizon runs on its new code", async () => {
    const run = await node([join(withStaleDependency(), "bin", "horizon.js")]);
    expect(run.stderr).toContain("rebuilding (npm run build -w @blessed-horizon/fake-dep)");
    expect(run).toMatchObject({ code: 0, stdout: "new dependency\n" });
  });

  it("is refused when dist/ was never built and CI is set", async () => {
    const pkg = fakePackage();
    rmSync(join(pkg.dir, "dist"), { recursive: true });
    const run = await node([join(pkg.dir, "bin", "horizon.js")], { CI: "true" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("dist/cli.js does not exist");
  });
});
