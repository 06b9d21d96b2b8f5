import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { isObject, ofKind } from "./cluster-view.js";
import type { ClusterView } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { isYaml, listFiles } from "./files.js";
import { sourcesOf, targetOf } from "./project-rules.js";

const KUSTOMIZATION_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const isRemote = (entry: string): boolean => /^[a-z]+:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry);

/** The folders a source path renders: itself, and every local folder its kustomization (recursively) takes resources or components from. */
async function renderedFolders(root: string, dir: string, recurse: boolean, reached: Set<string>, recursive: Set<string>): Promise<void> {
  if (reached.has(dir)) return;
  reached.add(dir);
  const file = KUSTOMIZATION_NAMES.map((n) => posix.join(dir, n)).find((f) => existsSync(join(root, f)));
  if (!file) {
    if (recurse) recursive.add(dir);
    return;
  }
  let k: unknown;
  try {
    k = parse(await readFile(join(root, file), "utf8"));
  } catch {
    return; // the manifest check reports the syntax error
  }
  for (const key of ["resources", "components", "bases"]) {
    const entries = isObject(k) ? k[key] : undefined;
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (typeof entry !== "string" || isRemote(entry)) continue;
      const path = posix.normalize(posix.join(dir, entry));
      if (!existsSync(join(root, path))) continue; // the manifest check reports it
      if (statSync(join(root, path)).isDirectory()) await renderedFolders(root, path, false, reached, recursive);
      else reached.add(posix.dirname(path));
    }
  }
}

/** A YAML file that holds a Kubernetes object or a kustomization (not a Prometheus rule file or a promtool test). */
async function holdsObjects(root: string, file: string): Promise<boolean> {
  try {
    return parseAllDocuments(await readFile(join(root, file), "utf8")).some((d) => {
      const value: unknown = d.toJS();
      return isObject(value) && typeof value.kind === "string";
    });
  } catch {
    return false;
  }
}

/**
 * Every folder of deploy/ with Kubernetes objects reaches the cluster: it is
 * the source path of an Argo CD Application, or rendered by one through its
 * kustomization (base/ through environments/). schemas/ (what objects are
 * checked against) and argocd/ (the bootstrap, applied by hand) are exempt.
 */
export async function deliveryFindings(root: string, deployDir: string, view: ClusterView): Promise<Finding[]> {
  const reached = new Set<string>();
  const recursive = new Set<string>();
  for (const app of ofKind(view, "Application")) {
    for (const source of sourcesOf(app.object)) await renderedFolders(root, targetOf(deployDir, source.path), source.recurse, reached, recursive);
  }
  const exempt = ["schemas", "argocd"].map((d) => targetOf(deployDir, d));
  const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);
  const folders = new Map<string, string>();
  for (const file of await listFiles(root, deployDir, isYaml)) {
    const dir = posix.dirname(file);
    if (folders.has(dir) || exempt.some((d) => under(dir, d)) || reached.has(dir) || [...recursive].some((d) => under(dir, d))) continue;
    if (await holdsObjects(root, file)) folders.set(dir, file);
  }
  return [...folders].map(([dir, file]) =>
    finding(file, 1, "argocd", `${dir}/ is delivered by no Argo CD Application (no Application's source path is this folder or renders it through a kustomization): what is validated here never reaches the cluster`),
  );
}
