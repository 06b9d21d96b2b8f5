import { at, isObject, ofKind, stringMap } from "./cluster-view.js";
import type { ClusterView, RenderedObject } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { objectLabel } from "./source-index.js";

/**
 * Istio's sidecar injector injects a pod when its namespace has the label
 * istio-injection=enabled, or an istio.io/rev revision label (istio-injection
 * still wins when it says disabled).
 */
function injects(labels: Record<string, string>): boolean {
  if (labels["istio-injection"] === "enabled") return true;
  return labels["istio-injection"] !== "disabled" && labels["istio.io/rev"] !== undefined;
}

/** A Canary Flagger drives through Istio: provider istio, or none (Flagger's -mesh-provider default, istio). */
const onIstio = (canary: RenderedObject): boolean => {
  const provider = at(canary.object, ["spec", "provider"]);
  return provider === undefined || provider === "istio";
};

/** An Argo CD Application that creates its destination namespace (syncOptions CreateNamespace=true). */
const createsNamespace = (app: RenderedObject): boolean => {
  const options = at(app.object, ["spec", "syncPolicy", "syncOptions"]);
  return Array.isArray(options) && options.includes("CreateNamespace=true");
};

/** The labels each namespace gets: from Namespace objects and from Applications' managedNamespaceMetadata. */
function namespaceLabels(view: ClusterView): Map<string, Record<string, string>> {
  const labels = new Map<string, Record<string, string>>();
  const add = (name: unknown, more: Record<string, string>): void => {
    if (typeof name === "string") labels.set(name, { ...labels.get(name), ...more });
  };
  for (const ns of ofKind(view, "Namespace")) add(at(ns.object, ["metadata", "name"]), stringMap(at(ns.object, ["metadata", "labels"])));
  for (const app of ofKind(view, "Application").filter(createsNamespace)) {
    add(at(app.object, ["spec", "destination", "namespace"]), stringMap(at(app.object, ["spec", "syncPolicy", "managedNamespaceMetadata", "labels"])));
  }
  return labels;
}

/** Where to say that a namespace lacks the label: the Application that creates it, else its Namespace, else the kustomization that names it. */
function namespaceSource(view: ClusterView, namespace: string, holder: RenderedObject): { file: string; line: number; label: string } {
  const app = ofKind(view, "Application").find((a) => createsNamespace(a) && at(a.object, ["spec", "destination", "namespace"]) === namespace);
  if (app) {
    const source = view.sources.locate(app.object, app.target);
    return { file: source.file, line: source.lineOf(["spec", "syncPolicy", "managedNamespaceMetadata", "labels"]), label: `${objectLabel(app.object)}: namespace ${namespace}` };
  }
  const ns = ofKind(view, "Namespace").find((n) => at(n.object, ["metadata", "name"]) === namespace);
  if (ns) {
    const source = view.sources.locate(ns.object, ns.target);
    return { file: source.file, line: source.lineOf(["metadata", "labels"]), label: `Namespace/${namespace}` };
  }
  return { file: `${holder.target}/kustomization.yaml`, line: 1, label: `namespace ${namespace}` };
}

/** The pod template of a Job or a CronJob's jobs. */
function podTemplatePath(object: Record<string, unknown>): string[] | undefined {
  if (object.kind === "Job") return ["spec", "template"];
  if (object.kind === "CronJob") return ["spec", "jobTemplate", "spec", "template"];
  return undefined;
}

/**
 * Namespaces that hold an Istio Canary have sidecar injection: Flagger's
 * istio metrics (istio_requests_total{reporter="destination"}) come from the
 * sidecars only. And a Job in an injected namespace (or one that must be)
 * opts out, `sidecar.istio.io/inject: "false"`: the istio-proxy container
 * never exits, so the Job never completes.
 */
export function istioFindings(view: ClusterView): Finding[] {
  const labels = namespaceLabels(view);
  const canaries = new Map<string, RenderedObject[]>();
  for (const canary of ofKind(view, "Canary").filter(onIstio)) {
    if (canary.namespace) canaries.set(canary.namespace, [...(canaries.get(canary.namespace) ?? []), canary]);
  }
  const findings: Finding[] = [];
  for (const [namespace, held] of canaries) {
    if (injects(labels.get(namespace) ?? {})) continue;
    const where = namespaceSource(view, namespace, held[0]);
    const names = [...new Set(held.map((c) => objectLabel(c.object)))].sort().join(", ");
    findings.push(
      finding(
        where.file,
        where.line,
        "istio",
        `${where.label} holds ${names} but is created without the label istio-injection=enabled (/spec/syncPolicy/managedNamespaceMetadata/labels, or a Namespace object): its pods get no sidecar, istio_requests_total is empty and Flagger halts the analysis with "no values found"`,
      ),
    );
  }
  const injected = (ns: string | undefined): boolean => ns !== undefined && (canaries.has(ns) || injects(labels.get(ns) ?? {}));
  for (const job of view.objects.filter((o) => podTemplatePath(o.object) && injected(o.namespace))) {
    const template = podTemplatePath(job.object) as string[];
    const pod = at(job.object, template);
    const optOut = (field: string): boolean => isObject(pod) && stringMap(at(pod, ["metadata", field]))["sidecar.istio.io/inject"] === "false";
    if (optOut("annotations") || optOut("labels")) continue;
    const source = view.sources.locate(job.object, job.target);
    findings.push(
      finding(
        source.file,
        source.lineOf([...template, "metadata", "annotations"]),
        "istio",
        `${objectLabel(job.object)}: its namespace has (or needs, for its Canaries) Istio sidecar injection, and /${[...template, "metadata", "annotations"].join("/")}/sidecar.istio.io/inject is not "false": the istio-proxy sidecar never exits, so the Job never completes`,
      ),
    );
  }
  return findings;
}
