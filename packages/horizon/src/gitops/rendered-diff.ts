import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { FileEdit } from "../core/release-plan.js";
import { ExternalError } from "../errors.js";
import { git } from "../io/git.js";
import { runTool, toolMessage } from "../io/process.js";

/**
 * What a plan changes in the cluster: the environment rendered by `kubectl kustomize` (as Argo CD renders it)
 * before and after the plan's edits, and a unified diff of only the objects that differ.
 */

interface ObjectChange {
  /** `Kind/namespace/name` (namespace omitted for cluster-scoped objects). */
  object: string;
  change: "added" | "removed" | "changed";
}

export interface RenderedDiff {
  environment: string;
  changes: ObjectChange[];
  /** Unified diff, one section per changed object; empty when nothing in the render changes. */
  diff: string;
}

/** The rendered objects of a `kubectl kustomize` output, by `Kind/namespace/name`, as YAML text. */
export function renderedObjects(output: string): Map<string, string> {
  const objects = new Map<string, string>();
  for (const doc of parseAllDocuments(output)) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
    if (!o?.kind || !o.metadata?.name) continue;
    objects.set([o.kind, o.metadata.namespace, o.metadata.name].filter(Boolean).join("/"), doc.toString({ lineWidth: 0 }));
  }
  return objects;
}

/** The objects that differ between two renders, sorted by name. */
export function changedObjects(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ObjectChange[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  return keys.flatMap((object): ObjectChange[] => {
    const [b, a] = [before.get(object), after.get(object)];
    if (b === a) return [];
    return [{ object, change: b === undefined ? "added" : a === undefined ? "removed" : "changed" }];
  });
}

function copyTree(root: string, into: string): void {
  cpSync(root, into, { recursive: true, filter: (src) => basename(src) !== ".git" });
}

async function render(kubectl: string, dir: string, environment: string): Promise<string> {
  const result = await runTool(kubectl, ["kustomize", join("environments", environment)], dir);
  if (result.exitCode !== 0) throw new ExternalError(`kubectl kustomize environments/${environment} failed: ${toolMessage(result.stderr || result.stdout)}`);
  return result.stdout;
}

/** Renders `environment` of the manifests repo at `root` before and after `edits` and diffs the objects that change. */
export async function renderEnvironmentDiff(root: string, environment: string, edits: readonly FileEdit[], kubectl: string): Promise<RenderedDiff> {
  const work = mkdtempSync(join(tmpdir(), "horizon-render-"));
  try {
    const [beforeDir, afterDir] = [join(work, "tree-before"), join(work, "tree-after")];
    copyTree(root, beforeDir);
    copyTree(root, afterDir);
    for (const edit of edits) {
      mkdirSync(dirname(join(afterDir, edit.path)), { recursive: true });
      writeFileSync(join(afterDir, edit.path), edit.after);
    }
    const [before, after] = await Promise.all([render(kubectl, beforeDir, environment), render(kubectl, afterDir, environment)]);
    const [b, a] = [renderedObjects(before), renderedObjects(after)];
    const changes = changedObjects(b, a);
    if (changes.length === 0) return { environment, changes, diff: "" };
    for (const { object } of changes) {
      for (const [side, objects] of [["before", b], ["after", a]] as const) {
        const text = objects.get(object);
        if (text === undefined) continue;
        mkdirSync(dirname(join(work, side, `${object}.yaml`)), { recursive: true });
        writeFileSync(join(work, side, `${object}.yaml`), text);
      }
    }
    for (const side of ["before", "after"]) mkdirSync(join(work, side), { recursive: true });
    const { stdout } = await git(["diff", "--no-index", "--no-color", "--no-prefix", "-U3", "before", "after"], { cwd: work, okExitCodes: [1] });
    // The blob ids of temporary files mean nothing to a reader.
    const diff = stdout.replace(/^index [0-9a-f]+\.\.[0-9a-f]+.*\n/gm, "");
    return { environment, changes, diff };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** GitHub refuses a pull request body longer than 65,536 characters. */
export const GITHUB_BODY_LIMIT = 65_536;

/** `text` cut at a line end to fit `limit`, saying where the rest is. */
export function trimToLimit(text: string, limit: number, rest: string): string {
  if (text.length <= limit) return text;
  const note = `\n\n… trimmed to fit ${limit.toLocaleString("en-US")} characters: ${rest}\n`;
  const cut = text.lastIndexOf("\n", limit - note.length);
  return `${text.slice(0, Math.max(0, cut))}${note}`;
}
