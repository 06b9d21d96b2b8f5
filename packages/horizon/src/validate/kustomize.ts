import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { checkObject } from "./manifests.js";
import type { SchemaRegistry } from "./schemas.js";
import { runTool, toolMessage } from "../io/process.js";
import { parseYamlWithLines } from "./yaml-locate.js";

const KUSTOMIZATION = "kustomization.yaml";

async function subdirectoriesWithKustomization(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && existsSync(join(dir, e.name, KUSTOMIZATION))).map((e) => e.name).sort();
}

/**
 * What Argo CD and the platform render: each environment root, and every other
 * top-level folder of the manifests repo that has a kustomization (argocd/,
 * monitoring/). Repository-relative paths.
 */
export async function kustomizeTargets(root: string, deployDir: string): Promise<string[]> {
  const environments = (await subdirectoriesWithKustomization(join(root, deployDir, "environments"))).map((e) => `${deployDir}/environments/${e}`);
  const others = (await subdirectoriesWithKustomization(join(root, deployDir)))
    .filter((d) => d !== "base" && d !== "environments")
    .map((d) => `${deployDir}/${d}`);
  return [...environments, ...others];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What one kustomization renders: the objects Argo CD would apply. */
export interface RenderedTarget {
  /** Repository-relative folder, e.g. deploy/environments/production. */
  target: string;
  objects: Record<string, unknown>[];
}

/**
 * Renders `target` with `kubectl kustomize` and checks the result: it renders,
 * every rendered object fits its schema, and (for an environment) every
 * service folder yields its Deployment. Returns the rendered objects too, for
 * the rules that look across objects and targets (cluster-rules.ts).
 */
export async function checkKustomizeTarget(
  root: string,
  target: string,
  kubectl: string,
  schemas: SchemaRegistry,
): Promise<{ findings: Finding[]; rendered?: RenderedTarget }> {
  const file = `${target}/${KUSTOMIZATION}`;
  const result = await runTool(kubectl, ["kustomize", target], root);
  if (result.exitCode !== 0) return { findings: [finding(file, 1, "kustomize", `kubectl kustomize ${target} failed: ${toolMessage(result.stderr || result.stdout)}`)] };
  const parsed = parseYamlWithLines(result.stdout);
  const objects = parsed.documents.map((d) => d.value).filter(isObject);
  const findings: Finding[] = [];
  for (const object of objects) findings.push(...(await checkObject(schemas, object, () => 1, file, "rendered ")));
  if (target.includes("/environments/")) {
    const deployments = new Set(objects.filter((o) => o.kind === "Deployment").map((o) => (isObject(o.metadata) ? o.metadata.name : undefined)));
    for (const service of await subdirectoriesWithKustomization(join(root, target))) {
      if (!deployments.has(service)) findings.push(finding(file, 1, "kustomize", `${target} renders no Deployment ${service} (is ${service} listed under resources:?)`));
    }
  }
  return { findings, rendered: { target, objects } };
}
