/** A package-lock.json (lockfileVersion 2 or 3) entry under `packages`. */
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

/** An installed package: where it is in node_modules and what the lockfile says about it. */
export interface LockedPackage {
  path: string;
  name: string;
  version: string;
  entry: LockEntry;
}

export class LockfileError extends Error {
  override readonly name = "LockfileError";
}

/** The package name of a node_modules path: `node_modules/a/node_modules/@s/b` -> `@s/b`. */
export const packageNameOf = (path: string): string => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);

/** Node's resolution over the lockfile: from `from`, the nearest node_modules/<name> up the tree. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut >= 0 ? base.slice(0, cut) : "";
  }
}

/**
 * Every package a set of workspaces needs at run time: their dependencies,
 * optional and required peer dependencies, transitively, following workspace
 * links; never devDependencies. This is what an image built with
 * `npm ci --omit=dev -w <workspace>` contains (workspaces themselves excluded).
 */
export function productionClosure(lock: Lockfile, workspaces: readonly string[]): LockedPackage[] {
  const packages = lock.packages;
  if (!packages || (lock.lockfileVersion ?? 0) < 2) throw new LockfileError("package-lock.json has no `packages` map (lockfileVersion 2 or later is needed; run npm install with npm 7+)");
  const found = new Map<string, LockedPackage>();
  const visited = new Set<string>();
  const queue: string[] = [];
  for (const ws of workspaces) {
    if (!packages[ws]) throw new LockfileError(`workspace ${ws} is not in package-lock.json (known: ${Object.keys(packages).filter((p) => p && !p.includes("node_modules")).join(", ")})`);
    queue.push(ws);
  }
  while (queue.length > 0) {
    const path = queue.shift() as string;
    if (visited.has(path)) continue;
    visited.add(path);
    const entry = packages[path];
    if (entry.link && entry.resolved) {
      queue.push(entry.resolved);
      continue;
    }
    if (path.includes("node_modules/")) found.set(path, { path, name: packageNameOf(path), version: entry.version ?? "0.0.0", entry });
    const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n));
    const wanted = [
      ...Object.keys(entry.dependencies ?? {}).map((n) => [n, false] as const),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n) => [n, true] as const),
      // Peers are installed by npm 7+, but a peer the tree lacks is npm's warning, not ours to fail on.
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n)).map((n) => [n, true] as const),
    ];
    for (const [name, optional] of wanted) {
      const target = resolveIn(packages, path, name);
      if (target) queue.push(target);
      else if (!optional) throw new LockfileError(`${path || "(root)"} depends on ${name}, which package-lock.json does not contain (run npm install)`);
    }
  }
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** The workspaces that ship as images: `services/*` entries of the lockfile. */
export const serviceWorkspaces = (lock: Lockfile): string[] =>
  Object.keys(lock.packages ?? {})
    .filter((p) => /^services\/[^/]+$/.test(p))
    .sort();
