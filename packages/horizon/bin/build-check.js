// Is dist/ as new as the sources it is compiled from? Plain JavaScript with
// no dependencies: it runs before dist/ can be trusted, on every call.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
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

/**
 * Why dist/ is out of date, or undefined when it is not: dist/cli.js is
 * missing, or a source file (or the build's tsconfig) changed after it was
 * written. tsc rewrites every output on each build, so dist/cli.js's time is
 * the build's time.
 */
export function staleBuild(dir = PACKAGE_DIR) {
  const built = mtime(join(dir, "dist", "cli.js"));
  if (built === undefined) return "dist/cli.js does not exist";
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
