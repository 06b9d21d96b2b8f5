import { posix } from "node:path";
import { at, isObject, ofKind, stringMap } from "./cluster-view.js";
import type { ClusterView, RenderedObject } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { objectLabel } from "./source-index.js";

/**
 * What Argo CD lets an Application deploy, ported from argoproj/argo-cd
 * v3.5.1 pkg/apis/application/v1alpha1/app_project_types.go
 * (IsGroupKindNamePermitted, IsDestinationPermitted, isDestinationMatched,
 * globMatch) and types.go (isResourceInList), as controller/sync.go's
 * validateSyncPermissions applies them to every object of a sync.
 */

/** Kinds the Kubernetes API (and the CRDs deploy/ uses) serve at cluster scope; every other kind is namespaced. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "CSIDriver",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ClusterSecretStore",
  "ClusterExternalSecret",
  "ClusterIssuer",
]);

/** Argo CD's own kinds live in its namespace; the Applications of argocd/ bootstrap the rest (not checked as payload). */
const IN_CLUSTER = { server: "https://kubernetes.default.svc", name: "in-cluster" };

/** A glob as Go's filepath.Match and gobwas/glob read the patterns of an AppProject: `*`, `?`, `[...]`. */
function globRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) source += "\\[";
      else {
        source += `[${pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

const isDenyPattern = (pattern: string): boolean => pattern.startsWith("!");

/** app_project_types.go globMatch. */
function globMatch(pattern: string, value: string, allowNegation: boolean): boolean {
  if (allowNegation && isDenyPattern(pattern)) return !globRegExp(pattern.slice(1)).test(value);
  if (pattern === "*") return true;
  return globRegExp(pattern).test(value);
}

interface GroupKind {
  group: string;
  kind: string;
}

const groupKindOf = (object: Record<string, unknown>): GroupKind => {
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  return { group: apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "", kind: String(object.kind) };
};

/** types.go isResourceInList (and isNamedResourceInList: an entry without name matches every name). */
function inList(res: GroupKind, name: string, list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  return list.some((item) => {
    if (!isObject(item)) return false;
    const kind = typeof item.kind === "string" ? item.kind : "";
    const group = typeof item.group === "string" ? item.group : "";
    if (!globRegExp(kind).test(res.kind) || !globRegExp(group).test(res.group)) return false;
    return typeof item.name !== "string" || item.name === "" || globRegExp(item.name).test(name);
  });
}

/** IsGroupKindNamePermitted: a namespaced kind needs no whitelist entry when the whitelist is absent (nil); a cluster-scoped one always does. */
export function groupKindPermitted(project: Record<string, unknown>, res: GroupKind, name: string, namespaced: boolean): boolean {
  const spec = isObject(project.spec) ? project.spec : {};
  const [white, black] = namespaced
    ? [spec.namespaceResourceWhitelist, spec.namespaceResourceBlacklist]
    : [spec.clusterResourceWhitelist, spec.clusterResourceBlacklist];
  const listed = (list: unknown): boolean => Array.isArray(list) && list.length > 0 && inList(res, name, list);
  const whiteListed = namespaced ? white === undefined || white === null || listed(white) : listed(white);
  return whiteListed && !listed(black);
}

interface Destination {
  server: string;
  name: string;
  namespace: string;
}

/** isDestinationMatched, deny patterns (`!ns`) included. */
export function destinationPermitted(project: Record<string, unknown>, dst: Destination): boolean {
  const destinations = at(project, ["spec", "destinations"]);
  let anyMatched = false;
  for (const raw of Array.isArray(destinations) ? destinations : []) {
    const item = stringMap(raw);
    const [name, server, namespace] = [item.name ?? "", item.server ?? "", item.namespace ?? ""];
    const nameMatched = dst.name !== "" && globMatch(name, dst.name, true);
    const serverMatched = dst.server !== "" && globMatch(server, dst.server, true);
    const namespaceMatched = globMatch(namespace, dst.namespace, true);
    if ((serverMatched || nameMatched) && namespaceMatched) anyMatched = true;
    // Go: a || b && c is a || (b && c).
    else if ((!nameMatched && isDenyPattern(name)) || (!serverMatched && isDenyPattern(server) && namespaceMatched)) return false;
    else if (!namespaceMatched && isDenyPattern(namespace) && serverMatched) return false;
  }
  return anyMatched;
}

/** The Application's destination cluster as Argo CD resolves it (server and name; the local cluster is both). */
function destinationOf(app: Record<string, unknown>): Destination {
  const dest = stringMap(at(app, ["spec", "destination"]));
  let server = dest.server ?? "";
  let name = dest.name ?? "";
  if (server === IN_CLUSTER.server && !name) name = IN_CLUSTER.name;
  if (name === IN_CLUSTER.name && !server) server = IN_CLUSTER.server;
  return { server, name, namespace: dest.namespace ?? "" };
}

/** spec.source and spec.sources[]: each source's path (repository-relative), and whether it recurses as a directory. */
export function sourcesOf(app: Record<string, unknown>): { path: string; recurse: boolean; field: (string | number)[] }[] {
  const one = at(app, ["spec", "source"]);
  const many = at(app, ["spec", "sources"]);
  const list: [unknown, (string | number)[]][] = isObject(one) ? [[one, ["spec", "source"]]] : Array.isArray(many) ? many.map((s, i) => [s, ["spec", "sources", i]]) : [];
  return list.flatMap(([source, field]) => {
    const path = at(source, ["path"]);
    return typeof path === "string" ? [{ path, recurse: at(source, ["directory", "recurse"]) === true, field: [...field, "path"] }] : [];
  });
}

const createsNamespace = (app: Record<string, unknown>): boolean => {
  const options = at(app, ["spec", "syncPolicy", "syncOptions"]);
  return Array.isArray(options) && options.includes("CreateNamespace=true");
};

/** The manifests-repo path of a source as the rendered target names it (deployDir "." and "deploy" alike). */
export const targetOf = (deployDir: string, path: string): string => posix.normalize(posix.join(deployDir, path));

interface Refusal {
  project: RenderedObject;
  line: (string | number)[];
  reason: string;
  objects: string[];
}

/**
 * Every object an Application of deploy/ renders is one its AppProject lets
 * Argo CD sync: its group and kind on the whitelist of its scope (and not on
 * the blacklist), its namespace among the destinations; the Application's own
 * destination too, and the Namespace that CreateNamespace=true creates.
 * Otherwise Argo CD refuses the whole sync. One finding per refused kind or
 * namespace, on the AppProject, naming what it refuses.
 */
export function projectFindings(view: ClusterView, deployDir: string): Finding[] {
  const projects = new Map(ofKind(view, "AppProject").map((p) => [String(at(p.object, ["metadata", "name"])), p]));
  const refusals = new Map<string, Refusal>();
  const refuse = (project: RenderedObject, line: (string | number)[], reason: string, what: string): void => {
    const key = `${String(at(project.object, ["metadata", "name"]))}\0${reason}`;
    const entry = refusals.get(key) ?? { project, line, reason, objects: [] };
    if (!entry.objects.includes(what)) entry.objects.push(what);
    refusals.set(key, entry);
  };
  const findings: Finding[] = [];
  for (const app of ofKind(view, "Application")) {
    const projectName = typeof at(app.object, ["spec", "project"]) === "string" ? String(at(app.object, ["spec", "project"])) : "default";
    const project = projects.get(projectName);
    const appLabel = objectLabel(app.object);
    if (!project) {
      // Argo CD's built-in default project permits everything; any other must exist.
      if (projectName !== "default") {
        const source = view.sources.locate(app.object, app.target);
        findings.push(finding(source.file, source.lineOf(["spec", "project"]), "argocd", `${appLabel}: project ${projectName} is not defined in ${deployDir}/ (no AppProject of that name), so Argo CD syncs nothing of it`));
      }
      continue;
    }
    const name = `project ${projectName}`;
    const dst = destinationOf(app.object);
    const destinationRefused = (namespace: string): boolean => !destinationPermitted(project.object, { ...dst, namespace });
    if (destinationRefused(dst.namespace)) {
      refuse(project, ["spec", "destinations"], `namespace ${dst.namespace} is not permitted in ${name}`, `${appLabel}'s destination`);
    }
    if (createsNamespace(app.object) && dst.namespace && !groupKindPermitted(project.object, { group: "", kind: "Namespace" }, dst.namespace, false)) {
      refuse(project, ["spec", "clusterResourceWhitelist"], `resource :Namespace is not permitted in ${name}`, `Namespace/${dst.namespace} (${appLabel}'s CreateNamespace=true)`);
    }
    for (const source of sourcesOf(app.object)) {
      const target = targetOf(deployDir, source.path);
      for (const rendered of view.objects.filter((o) => posix.normalize(o.target) === target)) {
        const object = rendered.object;
        const res = groupKindOf(object);
        const namespaced = !CLUSTER_SCOPED.has(res.kind);
        const metadataName = at(object, ["metadata", "name"]);
        const objectName = typeof metadataName === "string" ? metadataName : "";
        const what = `${objectLabel(object)} of ${appLabel} (${view.sources.locate(object, rendered.target).file})`;
        if (!groupKindPermitted(project.object, res, objectName, namespaced)) {
          refuse(project, ["spec", namespaced ? "namespaceResourceWhitelist" : "clusterResourceWhitelist"], `resource ${res.group}:${res.kind} is not permitted in ${name}`, what);
          continue;
        }
        const namespace = rendered.namespace ?? dst.namespace;
        if (namespaced && destinationRefused(namespace)) refuse(project, ["spec", "destinations"], `namespace ${namespace} is not permitted in ${name}`, what);
      }
    }
  }
  for (const r of refusals.values()) {
    const source = view.sources.locate(r.project.object, r.project.target);
    findings.push(
      finding(source.file, source.lineOf(r.line), "argocd", `${objectLabel(r.project.object)}: ${r.reason}, so Argo CD refuses to sync ${r.objects.sort().join(", ")}`),
    );
  }
  return findings;
}
