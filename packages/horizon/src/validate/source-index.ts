import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isYaml, listFiles } from "./files.js";
import { parseYamlWithLines } from "./yaml-locate.js";
import type { LocatedDocument } from "./yaml-locate.js";

/** Where a rendered object came from: its file, and the line of a field inside it. */
interface SourceLocation {
  file: string;
  lineOf: (path: readonly (string | number)[]) => number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `Kind/name` of an object, as findings name it. */
export const objectLabel = (object: Record<string, unknown>): string =>
  `${String(object.kind)}/${isObject(object.metadata) && typeof object.metadata.name === "string" ? object.metadata.name : "(no name)"}`;

/**
 * Finds the file a rendered object was written in, so that a finding about
 * what a cluster would do with it names the line to edit rather than the
 * kustomization that rendered it. By kind and name: a file under the rendering
 * target wins (an environment's own SecretStore), else the first (the base).
 */
export class SourceIndex {
  private constructor(private readonly byLabel: Map<string, { file: string; doc: LocatedDocument }[]>) {}

  static async read(root: string, deployDir: string, skipDirs: readonly string[]): Promise<SourceIndex> {
    const byLabel = new Map<string, { file: string; doc: LocatedDocument }[]>();
    const files = (await listFiles(root, deployDir, isYaml)).filter((f) => !skipDirs.some((d) => f.startsWith(`${d}/`)));
    for (const file of files) {
      for (const doc of parseYamlWithLines(await readFile(join(root, file), "utf8")).documents) {
        if (!isObject(doc.value) || typeof doc.value.kind !== "string") continue;
        const label = objectLabel(doc.value);
        byLabel.set(label, [...(byLabel.get(label) ?? []), { file, doc }]);
      }
    }
    return new SourceIndex(byLabel);
  }

  /** The source of `object` rendered by `target`; the target's kustomization (line 1) when none is found. */
  locate(object: Record<string, unknown>, target: string): SourceLocation {
    const candidates = this.byLabel.get(objectLabel(object)) ?? [];
    const best = candidates.find((c) => c.file.startsWith(`${target}/`)) ?? candidates[0];
    return best ? { file: best.file, lineOf: best.doc.lineOf } : { file: `${target}/kustomization.yaml`, lineOf: () => 1 };
  }
}
