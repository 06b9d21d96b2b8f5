import type { RenderedTarget } from "./kustomize.js";
import type { SourceIndex } from "./source-index.js";

/** One object as an environment (or argocd/, monitoring/) renders it. */
export interface RenderedObject {
  target: string;
  object: Record<string, unknown>;
  namespace: string | undefined;
}

/** Everything every kustomization renders, and where each object is written. */
export interface ClusterView {
  objects: RenderedObject[];
  sources: SourceIndex;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The value at `path` inside `value`, or undefined. */
export function at(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === "number") current = current[key];
    else if (isObject(current)) current = current[String(key)];
    else return undefined;
  }
  return current;
}

export const stringMap = (value: unknown): Record<string, string> =>
  isObject(value) ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string")) : {};

export function clusterView(rendered: readonly RenderedTarget[], sources: SourceIndex): ClusterView {
  const objects = rendered.flatMap(({ target, objects }) =>
    objects.map((object) => {
      const namespace = at(object, ["metadata", "namespace"]);
      return { target, object, namespace: typeof namespace === "string" ? namespace : undefined };
    }),
  );
  return { objects, sources };
}

export const ofKind = (view: ClusterView, kind: string): RenderedObject[] => view.objects.filter((o) => o.object.kind === kind);
