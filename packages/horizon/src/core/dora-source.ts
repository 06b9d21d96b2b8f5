import { affectedServices } from "./changed.js";
import type { Workspace } from "./changed.js";
import type { Deployment, SourceChange } from "./dora.js";

/** One commit of the source repository as `git log --format=%H %P %ct --name-only` printed it. */
interface SourceCommit {
  parents: string[];
  time: number;
  files: string[];
}

type SourceGraph = ReadonlyMap<string, SourceCommit>;

/**
 * Which commits of a release count for its service: `affected` by horizon's changed-only build rule (core/changed.ts
 * over the source repository's workspaces: the service's folder, a workspace it depends on, or a file every build
 * shares; docs and deploy/ never), or `all` when the repository does not say which service a path builds.
 */
export type PathRule = { kind: "affected"; workspaces: readonly Workspace[] } | { kind: "all" };

const RECORD = "\x1e";

/** Parses `git log --format=%x1e%H %P %ct --name-only`. Pure. */
export function parseSourceLog(stdout: string): Map<string, SourceCommit> {
  const graph = new Map<string, SourceCommit>();
  for (const chunk of stdout.split(RECORD)) {
    const [head = "", ...files] = chunk.split("\n").filter((l) => l.trim() !== "");
    const [commit = "", ...rest] = head.trim().split(/\s+/);
    if (!commit) continue;
    const time = Number(rest.pop()) * 1000;
    graph.set(commit, { parents: rest, time, files });
  }
  return graph;
}

/** The commits reachable from `from` in the graph and not yet in `seen` (which it fills). */
function reach(graph: SourceGraph, from: string, seen: Set<string>): string[] {
  const found: string[] = [];
  const stack = [from];
  for (let hash = stack.pop(); hash !== undefined; hash = stack.pop()) {
    const c = graph.get(hash);
    if (!c || seen.has(hash)) continue;
    seen.add(hash);
    found.push(hash);
    stack.push(...c.parents);
  }
  return found;
}

/** Per service, its deployments from `start` on with a source commit, after the last such one before `start` (undefined for none). */
export function releaseChains(deployments: readonly Deployment[], start: number): Map<string, { previous?: Deployment; chain: Deployment[] }> {
  const chains = new Map<string, { previous?: Deployment; chain: Deployment[] }>();
  for (const d of deployments) {
    if (!d.sourceCommit) continue;
    const entry = chains.get(d.service) ?? { chain: [] };
    if (d.deployedAt < start) entry.previous = d;
    else entry.chain.push(d);
    chains.set(d.service, entry);
  }
  return chains;
}

/**
 * Each deployment's release commits: the commits reachable from its source commit and from none the service's
 * earlier deployments brought (`git rev-list new --not prev...`: each commit counted on the deployment that first
 * brought it), `all` of them and those the rule gives the service. One graph walk per service, whatever its number
 * of deployments. A service with no deployment before `start` brings its recorded source commit alone on its first
 * one (there is nothing to count from); a deployment whose source commit the graph lacks gets no changes (its
 * recorded source time is used). Input: all deployments of one environment, oldest first; returns them with
 * `changes`. Pure.
 */
export function withReleaseCommits(deployments: readonly Deployment[], graph: SourceGraph, rule: PathRule, start: number): Deployment[] {
  const affects = new Map<string, Set<string>>();
  const affected = (commit: string): Set<string> => {
    let services = affects.get(commit);
    if (!services) {
      services = new Set(rule.kind === "affected" ? affectedServices(graph.get(commit)?.files ?? [], rule.workspaces) : []);
      affects.set(commit, services);
    }
    return services;
  };
  const result = new Map<Deployment, Deployment>();
  for (const [service, { previous, chain }] of releaseChains(deployments, start)) {
    const seen = new Set<string>();
    let counted = previous !== undefined && graph.has(previous.sourceCommit as string);
    if (counted) reach(graph, previous?.sourceCommit as string, seen);
    for (const d of chain) {
      const source = d.sourceCommit as string;
      if (!graph.has(source)) continue;
      const brought = reach(graph, source, seen);
      const all: SourceChange[] = (counted ? brought : [source]).map((commit) => ({ commit, time: (graph.get(commit) as SourceCommit).time }));
      const own = rule.kind === "all" || !counted ? all : all.filter((c) => affected(c.commit).has(service));
      counted = true;
      result.set(d, { ...d, changes: { all, service: own } });
    }
  }
  return deployments.map((d) => result.get(d) ?? d);
}
