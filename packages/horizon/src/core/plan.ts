import { affectedServices, classifyPath, isService, serviceName } from "./changed.js";
import type { Workspace } from "./changed.js";
import { serviceImageBuild } from "./service-image.js";

/**
 * What a change runs (CONTRACTS.md, `horizon plan --json`): one definition,
 * read by `horizon pipeline` and by ci.yml's jobs and matrix.
 */
export interface ChangePlan {
  /** Per service: the commit its change set starts from (deployed in development), or null for the whole tree. */
  base: Record<string, string | null>;
  head: string;
  /** Services to lint, test, build and release. */
  services: string[];
  /** Workspace packages (their folder names, as services are named) whose own tests run. */
  packages: string[];
  checks: { secrets: boolean; validate: boolean; integration: boolean };
  stages: PlannedStage[];
}

interface PlannedStage {
  id: string;
  /** The service the stage is for; null for a stage of the whole repository or of a package. */
  service: string | null;
  command: string;
}

interface PlanInput {
  head: string;
  workspaces: readonly Workspace[];
  /** Per service (folder name): its base commit, or null when there is none (never deployed, or unknown here). */
  bases: Readonly<Record<string, string | null>>;
  /** The paths that changed between each distinct base and head. */
  changedSince: ReadonlyMap<string, readonly string[]>;
}

const folderName = (dir: string): string => dir.split("/").at(-1) ?? dir;

/** Paths whose change needs `horizon validate`: the delivery config, which belongs to no service. */
const isDeliveryConfig = (path: string): boolean =>
  path.startsWith("deploy/") || path.startsWith(".github/") || path.startsWith("docker/") || /(^|\/)Dockerfile$/.test(path) || path === "quality-gates.yaml";

/** Workspaces that depend on any of `changed` (transitively), the changed ones included. */
function withDependents(changed: ReadonlySet<string>, workspaces: readonly Workspace[]): Set<string> {
  const result = new Set(changed);
  let grew = true;
  while (grew) {
    grew = false;
    for (const w of workspaces) {
      if (!result.has(w.name) && w.dependsOn.some((d) => result.has(d))) {
        result.add(w.name);
        grew = true;
      }
    }
  }
  return result;
}

/** Plans a change. Pure: every git answer is in `input`. */
export function planChange(input: PlanInput): ChangePlan {
  const services = input.workspaces.filter(isService).map(serviceName).sort();
  const ranges = [...new Set(Object.values(input.bases))].map((base) => (base === null ? undefined : input.changedSince.get(base)));
  const wholeTree = ranges.some((paths) => paths === undefined);
  const allPaths = [...new Set(ranges.flatMap((paths) => paths ?? []))];

  const affected = services.filter((service) => {
    const base = input.bases[service] ?? null;
    const paths = base === null ? undefined : input.changedSince.get(base);
    return paths === undefined || affectedServices(paths, input.workspaces).includes(service);
  });

  const packageWorkspaces = input.workspaces.filter((w) => !isService(w));
  const changedWorkspaces = new Set<string>();
  let shared = wholeTree;
  for (const path of allPaths) {
    const impact = classifyPath(path, input.workspaces);
    if (impact.kind === "all") shared = true;
    if (impact.kind === "workspace") changedWorkspaces.add(impact.workspace.name);
  }
  const dependents = withDependents(changedWorkspaces, input.workspaces);
  const packageDirs = packageWorkspaces
    .filter((w) => shared || dependents.has(w.name))
    .map((w) => w.dir)
    .sort();
  const packages = packageDirs.map(folderName);

  const checks = {
    secrets: true,
    validate: wholeTree || allPaths.some(isDeliveryConfig),
    integration: affected.length > 0 || packages.length > 0,
  };
  const stages: PlannedStage[] = [{ id: "scan-secrets", service: null, command: "npx horizon scan secrets" }];
  if (checks.validate) stages.push({ id: "validate", service: null, command: "npx horizon validate" });
  if (affected.length > 0 || packages.length > 0) {
    stages.push({ id: "typecheck", service: null, command: "npm run typecheck" }, { id: "lint", service: null, command: "npm run lint" });
  }
  for (const dir of packageDirs) stages.push({ id: `test-${folderName(dir)}`, service: null, command: `npm run test:ci -w ${dir}` });
  for (const service of affected) {
    stages.push(
      { id: "test", service, command: `npm run test:ci -w services/${service}` },
      { id: "build", service, command: `npm run build -w services/${service}` },
      { id: "image", service, command: ["docker", ...serviceImageBuild(service)].join(" ") },
    );
  }
  if (checks.integration) stages.push({ id: "integration", service: null, command: "npm run test:integration" });
  const base = Object.fromEntries(services.map((s) => [s, input.bases[s] ?? null]));
  return { base, head: input.head, services: affected, packages, checks, stages };
}
