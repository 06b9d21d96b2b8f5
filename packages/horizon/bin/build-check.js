// Is dist/ as new as the sources it is compiled from? Plain JavaScript with
// no dependencies: it runs before dist/ can be trusted, on every call.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const BUILD_COMMAND = "npm run build -w packages/horizon";

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/** Written after a successful build: when it started, in ms since the epoch. */
const STAMP = join("dist", ".build-started");

/**
 * When the build that wrote dist/ started. A source saved while tsc was
 * running is newer than this, so it counts as changed; tsc's own output
 * times would hide it. A dist/ built without the stamp falls back to
 * dist/cli.js's time.
 */
function builtAt(dir, entry) {
  try {
    const started = Number(readFileSync(join(dir, STAMP), "utf8"));
    if (Number.isFinite(started) && started > 0) return started;
  } catch {
    // No stamp: built by a bare tsc.
  }
  return mtime(join(dir, entry));
}

/**
 * Why dist/ is out of date, or undefined when it is not: its entry file
 * (dist/cli.js for horizon) is missing, or a source file (or the build's
 * tsconfig) changed after the build that wrote it started.
 */
export function staleBuild(dir = PACKAGE_DIR, entry = join("dist", "cli.js")) {
  if (mtime(join(dir, entry)) === undefined) return `${entry} does not exist`;
  const built = builtAt(dir, entry);
  const inputs = [join(dir, "tsconfig.build.json"), join(dir, "..", "..", "tsconfig.base.json")];
  for (const entry of readdirSync(join(dir, "src"), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) inputs.push(join(entry.parentPath, entry.name));
  }
  for (const input of inputs) {
    const changed = mtime(input);
    if (changed !== undefined && changed > built) return `${relative(dir, input)} changed after dist/ was built`;
  }
  return undefined;
}

/**
 * The workspace packages horizon depends on that run from their own dist/
 * (@blessed-horizon/contracts): each one's folder, where its sources are
 * here to build from. An installed copy without src/ is not checked.
 */
export function workspaceDependencies(dir = PACKAGE_DIR) {
  const { dependencies = {} } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const found = [];
  for (const name of Object.keys(dependencies).filter((dependency) => dependency.startsWith("@blessed-horizon/"))) {
    for (let at = dir; ; at = dirname(at)) {
      const candidate = join(at, "node_modules", name);
      if (existsSync(candidate)) {
        const real = realpathSync(candidate);
        if (existsSync(join(real, "src")) && existsSync(join(real, "tsconfig.build.json"))) found.push({ name, dir: real });
        break;
      }
      if (dirname(at) === at) break;
    }
  }
  return found;
}

/**
 * Compiles src/ into dist/ with tsc, output on stderr, and stamps the start
 * time on success. Returns tsc's exit status; undefined when TypeScript is
 * not installed (a production install).
 */
export function buildDist(dir = PACKAGE_DIR, extraArgs = []) {
  let tsc;
  try {
    // horizon's own TypeScript, also for a workspace dependency's build.
    tsc = createRequire(join(PACKAGE_DIR, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    return undefined;
  }
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.build.json"), ...extraArgs], { stdio: ["ignore", 2, 2] });
  if (result.status === 0) writeFileSync(join(dir, STAMP), String(started));
  return result.status ?? 1;
}
