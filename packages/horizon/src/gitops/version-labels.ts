import { isScalar } from "yaml";
import type { Scalar, YAMLMap } from "yaml";
import { applySplices, getString, mapsAt, parseYamlDocuments, replaceScalar } from "./yaml-source.js";

const VERSION_KEYS = ["app.kubernetes.io/version", "version"];

/** Label maps that may change: object and pod-template labels, Kustomize `labels` without selectors. Never selectors, never `commonLabels` (kustomize copies those into selectors, which are immutable). */
function labelMaps(contents: unknown): YAMLMap[] {
  const kustomizeLabels = mapsAt(contents, ["labels", "*"])
    .filter((entry) => getString(entry, "includeSelectors") !== "true")
    .flatMap((entry) => mapsAt(entry, ["pairs"]));
  return [
    ...mapsAt(contents, ["metadata", "labels"]),
    ...mapsAt(contents, ["spec", "template", "metadata", "labels"]),
    ...mapsAt(contents, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"]),
    ...kustomizeLabels,
  ];
}

/** Label keys the object's selector uses: the pod template must keep matching it, so those stay. */
function selectorKeys(contents: unknown): Set<string> {
  const selectors = [...mapsAt(contents, ["spec", "selector", "matchLabels"]), ...mapsAt(contents, ["spec", "selector"])];
  return new Set(selectors.flatMap((m) => m.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ""))));
}

/** Sets the existing version labels of a manifest file to `version`; adds none, touches nothing else. */
export function setVersionLabels(source: string, file: string, version: string): string {
  const splices = parseYamlDocuments(source, file)
    .flatMap((doc) => {
      const keys = VERSION_KEYS.filter((k) => !selectorKeys(doc.contents).has(k));
      return labelMaps(doc.contents).flatMap((map) => keys.map((key) => map.get(key, true)));
    })
    .filter((node): node is Scalar => isScalar(node) && String(node.value) !== version)
    .map((node) => replaceScalar(node, version));
  return applySplices(source, splices);
}

/** The values of a manifest file's version labels, where it has any (the ones `setVersionLabels` writes). */
export function readVersionLabels(source: string, file: string): string[] {
  return parseYamlDocuments(source, file).flatMap((doc) => {
    const keys = VERSION_KEYS.filter((k) => !selectorKeys(doc.contents).has(k));
    return labelMaps(doc.contents)
      .flatMap((map) => keys.map((key) => map.get(key, true)))
      .filter((node): node is Scalar => isScalar(node))
      .map((node) => String(node.value));
  });
}

/** A YAML file of a service folder in the manifests repo, repository-relative. */
export interface ServiceFile {
  path: string;
  source: string;
}
