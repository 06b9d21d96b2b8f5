import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { isYaml, listFiles } from "./files.js";
import type { SchemaRegistry } from "./schemas.js";
import { retiredVersion } from "./served-versions.js";
import { parseYamlWithLines, pointerToPath } from "./yaml-locate.js";
import type { LocatedDocument } from "./yaml-locate.js";

/** Kustomize's own files: checked by rendering them (`kubectl kustomize`), not against a cluster schema. */
const KUSTOMIZE_KINDS = new Set(["Kustomization", "Component"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Our rules on top of the schemas: what a cluster would accept but we do not want in git. */
function policyFindings(file: string, doc: LocatedDocument, object: Record<string, unknown>): Finding[] {
  if (object.apiVersion === "v1" && object.kind === "Secret" && (object.data !== undefined || object.stringData !== undefined)) {
    return [finding(file, doc.line, "policy", "a plaintext Secret is in git: reference it (ExternalSecret or SealedSecret) instead")];
  }
  return [];
}

const isRemote = (entry: string): boolean => /^[a-z]+:\/\//i.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry);

/** Every local path a kustomization names (resources, components, patch files) must exist, or nothing renders. */
function kustomizationFindings(root: string, file: string, doc: LocatedDocument, k: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const check = (path: (string | number)[], entry: unknown, what: string): void => {
    if (typeof entry !== "string" || isRemote(entry)) return;
    if (!existsSync(join(root, posix.join(dirname(file), entry)))) out.push(finding(file, doc.lineOf(path), "kustomize", `${what} "${entry}" does not exist`));
  };
  for (const key of ["resources", "components", "patchesStrategicMerge"]) {
    const list = k[key];
    if (Array.isArray(list)) list.forEach((entry, i) => check([key, i], entry, key === "components" ? "component" : "resource"));
  }
  if (Array.isArray(k.patches)) k.patches.forEach((p, i) => isObject(p) && check(["patches", i, "path"], p.path, "patch file"));
  return out;
}

/** Checks one parsed Kubernetes object against its schema; `where` names it in messages. */
export async function checkObject(
  schemas: SchemaRegistry,
  object: Record<string, unknown>,
  locate: (path: readonly (string | number)[]) => number,
  file: string,
  where = "",
): Promise<Finding[]> {
  const { apiVersion, kind } = object;
  if (typeof kind !== "string") return [];
  if (typeof apiVersion !== "string") return [finding(file, locate(["kind"]), "schema", `${where}${kind}: has no apiVersion`)];
  if (KUSTOMIZE_KINDS.has(kind)) return [];
  const name = isObject(object.metadata) && typeof object.metadata.name === "string" ? object.metadata.name : "(no name)";
  const label = `${where}${kind}/${name}`;
  const retired = retiredVersion(apiVersion, kind);
  if (retired) return [finding(file, locate(["apiVersion"]), "schema", `${label}: ${retired}`)];
  const validator = await schemas.validatorFor(apiVersion, kind);
  if (!validator) return [finding(file, locate(["kind"]), "schema", `${label}: no schema known for ${apiVersion} ${kind} (a cluster without that CRD rejects it)`)];
  return validator(object).map((e) => finding(file, locate(pointerToPath(e.pointer)), e.check ?? "schema", `${label}: ${e.message}`));
}

/**
 * Every Kubernetes object in the YAML files under `dir`: parsed, checked
 * against its schema and our policies. Documents without apiVersion and kind
 * (Prometheus rule files, promtool tests) are not Kubernetes objects.
 */
export async function checkManifestFiles(root: string, dir: string, schemas: SchemaRegistry, skipDirs: readonly string[]): Promise<{ findings: Finding[]; objects: number }> {
  const files = (await listFiles(root, dir, isYaml)).filter((f) => !skipDirs.some((d) => f.startsWith(`${d}/`)));
  const findings: Finding[] = [];
  let objects = 0;
  for (const file of files) {
    const parsed = parseYamlWithLines(await readFile(join(root, file), "utf8"));
    findings.push(...parsed.errors.map((e) => finding(file, e.line, "yaml", e.message)));
    for (const doc of parsed.documents) {
      if (!isObject(doc.value)) continue;
      if (/(^|\/)kustomization\.ya?ml$/.test(file) || KUSTOMIZE_KINDS.has(String(doc.value.kind))) {
        findings.push(...kustomizationFindings(root, file, doc, doc.value));
        continue;
      }
      if (typeof doc.value.kind !== "string") continue;
      objects += 1;
      findings.push(...(await checkObject(schemas, doc.value, doc.lineOf, file)), ...policyFindings(file, doc, doc.value));
    }
  }
  return { findings, objects };
}
