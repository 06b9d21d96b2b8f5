import { posix } from "node:path";
import picomatch from "picomatch";
import type { Workspace } from "../../core/changed.js";
import { InputError } from "../../errors.js";
import { git } from "../../io/git.js";

interface PackageJson {
  name?: unknown;
  workspaces?: unknown;
  dependencies?: unknown;
  devDependencies?: unknown;
  peerDependencies?: unknown;
  optionalDependencies?: unknown;
}

async function readPackageJson(ref: string, path: string, cwd: string): Promise<PackageJson> {
  const text = (await git(["show", `${ref}:${path}`], { cwd })).stdout;
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("not a JSON object");
    return data;
  } catch (error) {
    throw new InputError(`${path} at ${ref}: not valid package.json: ${(error as Error).message}`, { cause: error });
  }
}

/** npm's workspace patterns (`packages/*`, `services/**`, `{a,b}`, `!x`) as one matcher, with picomatch; `*` stays inside one folder. */
export function workspaceMatcher(patterns: readonly string[]): (dir: string) => boolean {
  const clean = (pattern: string) => pattern.replace(/^\.\//, "").replace(/\/+$/, "");
  const include = patterns.filter((p) => !p.startsWith("!")).map(clean);
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => clean(p.slice(1)));
  return picomatch(include, { ignore: exclude });
}

const names = (deps: unknown) => (typeof deps === "object" && deps !== null ? Object.keys(deps) : []);

/**
 * The workspaces as they are at `ref` (not the working tree, which may be
 * elsewhere): the root package.json's `workspaces`, then each one's
 * package.json for its name and dependencies.
 */
export async function readWorkspaces(ref: string, cwd: string): Promise<Workspace[]> {
  const root = await readPackageJson(ref, "package.json", cwd);
  const declared = Array.isArray(root.workspaces)
    ? root.workspaces
    : (root.workspaces as { packages?: unknown } | undefined)?.packages;
  if (!Array.isArray(declared) || declared.some((p) => typeof p !== "string")) {
    throw new InputError(`package.json at ${ref}: no "workspaces" list, so there are no services to choose from`);
  }
  const matches = workspaceMatcher(declared as string[]);
  const files = (await git(["ls-tree", "-r", "-z", "--name-only", ref], { cwd })).stdout.split("\0");
  const dirs = files
    .filter((file) => file.endsWith("/package.json") && !file.includes("node_modules/"))
    .map((file) => posix.dirname(file))
    .filter(matches);
  return Promise.all(
    dirs.map(async (dir) => {
      const pkg = await readPackageJson(ref, `${dir}/package.json`, cwd);
      return {
        name: typeof pkg.name === "string" ? pkg.name : dir,
        dir,
        dependsOn: [pkg.dependencies, pkg.devDependencies, pkg.peerDependencies, pkg.optionalDependencies].flatMap(names),
      };
    }),
  );
}
