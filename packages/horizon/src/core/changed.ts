import { posix } from "node:path";

/** A workspace of the monorepo as its package.json describes it. */
export interface Workspace {
  /** Package name, e.g. `@blessed-horizon/contracts`. */
  name: string;
  /** Folder relative to the repository root, e.g. `packages/contracts`. */
  dir: string;
  /** Names of the packages it depends on (dependencies, devDependencies, peer, optional). */
  dependsOn: readonly string[];
}

/** What one changed path means for the build. */
type PathImpact = { kind: "none" } | { kind: "all" } | { kind: "workspace"; workspace: Workspace };

const SERVICES_DIR = "services";

/** A service is a workspace directly under `services/`; its name is its folder's, as the matrix and image use. */
export const isService = (workspace: Workspace) => posix.dirname(workspace.dir) === SERVICES_DIR;
export const serviceName = (workspace: Workspace) => posix.basename(workspace.dir);

const isDocumentation = (path: string) => /\.md$/i.test(path) || path.startsWith("docs/") || /^LICEN[CS]E/i.test(posix.basename(path));

/**
 * Classifies a changed path (repository-relative, `/`-separated):
 * - documentation (`*.md`, `docs/**`, LICENSE) and `deploy/**` (the manifests, which CI does not build) affect nothing;
 * - a file inside a workspace affects that workspace;
 * - a file under `services/<x>/` that is no longer a workspace affects nothing (there is nothing left to build);
 * - anything else (lockfile, tsconfig*.json, eslint.config.js, vitest.*, .npmrc, .nvmrc, .github/**,
 *   and files no rule knows) is shared by every build and affects all services: a needless build is
 *   cheaper than a missed one.
 */
export function classifyPath(path: string, workspaces: readonly Workspace[]): PathImpact {
  if (isDocumentation(path) || path.startsWith("deploy/")) return { kind: "none" };
  const owner = workspaces
    .filter((workspace) => path.startsWith(`${workspace.dir}/`))
    .sort((a, b) => b.dir.length - a.dir.length)[0];
  if (owner) return { kind: "workspace", workspace: owner };
  if (path.startsWith(`${SERVICES_DIR}/`)) return { kind: "none" };
  return { kind: "all" };
}

/** Every workspace name `start` depends on, directly or through other workspaces. */
function dependencyClosure(start: Workspace, byName: ReadonlyMap<string, Workspace>): Set<string> {
  const seen = new Set<string>();
  const stack = [...start.dependsOn];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    const workspace = byName.get(name);
    if (seen.has(name) || !workspace) continue;
    seen.add(name);
    stack.push(...workspace.dependsOn);
  }
  return seen;
}

/**
 * The services (folder names, sorted) that a set of changed files affects:
 * a service itself, every service that depends on a changed package
 * (transitively), or all services for a change that all builds share.
 */
export function affectedServices(changedFiles: readonly string[], workspaces: readonly Workspace[]): string[] {
  const services = workspaces.filter(isService);
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
  const changed = new Set<string>();
  for (const path of changedFiles) {
    const impact = classifyPath(path, workspaces);
    if (impact.kind === "all") return services.map(serviceName).sort();
    if (impact.kind === "workspace") changed.add(impact.workspace.name);
  }
  const affected = services.filter((service) => {
    if (changed.has(service.name)) return true;
    const closure = dependencyClosure(service, byName);
    return [...changed].some((name) => closure.has(name));
  });
  return affected.map(serviceName).sort();
}
