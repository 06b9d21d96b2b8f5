import { formatImageRef, repositoryBasename } from "./image-ref.js";
import type { ServiceManifest } from "./service-manifest.js";

/**
 * Reading the image of many manifests (the audit trail reads one per change of an environment, the dashboard one
 * per cell) without building a YAML document for each: the `images:` block of a kustomization.yaml, in the block
 * style kustomize and horizon write, is read line by line. Anything else in that block — flow style, anchors,
 * tags, block scalars, tabs, a duplicate key, a plain value YAML would read as a number, bool or null — and any
 * directive or second document in the file leaves it to the YAML parser (`imageOf`), which has the last word and
 * is loaded only when a manifest needs it.
 * The rest of the file is not checked: this reads what history and the dashboard show; every edit parses the file.
 */

/** YAML 1.2 core schema: plain scalars that are not strings (yaml's default schema, which readKustomizeImage uses). */
const NOT_A_STRING = [
  /^(?:~|null|Null|NULL)$/,
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^[-+]?[0-9]+$/,
  /^0o[0-7]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
];

/** A scalar value as YAML reads it, or undefined when only the parser can say. */
function scalar(text: string): string | undefined {
  const value = text.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    const inner = value.slice(1, -1);
    return /["\\]/.test(inner) ? undefined : inner;
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    const inner = value.slice(1, -1);
    return inner.includes("'") ? undefined : inner;
  }
  // Plain: no indicator first, no `: ` or ` #` inside (the comment is cut before), not a number, bool or null.
  if (value === "" || /^[-?:,[\]{}#&*!|>'"%@`]/.test(value) || value.includes(": ") || NOT_A_STRING.some((re) => re.test(value))) return undefined;
  return value;
}

/** `key: value  # comment` (the value may be quoted); undefined when the line is anything else. */
function pair(text: string): [string, string] | undefined {
  const m = /^([A-Za-z][A-Za-z0-9_]*):[ ]+(.*?)(?:[ ]+#.*)?$/.exec(text);
  if (!m) return undefined;
  const value = scalar(m[2] ?? "");
  return value === undefined ? undefined : [m[1] ?? "", value];
}

/** The image entries of a kustomization's top-level `images:` block; undefined when the parser must read the file. */
export function quickImageEntries(source: string): Array<Map<string, string>> | undefined {
  if (source.includes("\t") || source.includes("\r")) return undefined;
  const lines = source.split("\n");
  if (lines.some((l) => /^(?:---|\.\.\.|%)/.test(l))) return undefined;
  const starts = lines.flatMap((l, i) => (/^images\s*:/.test(l) ? [i] : []));
  if (starts.length !== 1) return undefined;
  const start = starts[0] ?? 0;
  if (!/^images:[ ]*(?:#.*)?$/.test(lines[start] ?? "")) return undefined;
  const entries: Array<Map<string, string>> = [];
  let dash: number | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^[ ]*(?:#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    const text = line.slice(indent);
    if (indent === 0 && !text.startsWith("- ")) break; // the next top-level key
    if (text.startsWith("- ")) {
      if (dash !== undefined && indent !== dash) return undefined;
      dash = indent;
      const p = pair(text.slice(2).trimStart());
      if (!p || text.slice(2).startsWith(" ")) return undefined;
      entries.push(new Map([p]));
      continue;
    }
    const entry = entries.at(-1);
    const p = pair(text);
    if (!entry || dash === undefined || indent !== dash + 2 || !p || entry.has(p[0])) return undefined;
    entry.set(p[0], p[1]);
  }
  return entries;
}

type Manifest = Pick<ServiceManifest, "layout" | "file" | "source" | "service">;

/** The image of a kustomization in plain block style that names the service; undefined when the parser must say. */
export function quickImage(manifest: Manifest): string | undefined {
  if (manifest.layout !== "kustomize") return undefined;
  const entry = quickImageEntries(manifest.source)?.find((e) => [e.get("newName"), e.get("name")].some((n) => n !== undefined && repositoryBasename(n) === manifest.service));
  const repository = entry?.get("newName") ?? entry?.get("name");
  if (!entry || !repository) return undefined;
  const tag = entry.get("newTag");
  const digest = entry.get("digest");
  return formatImageRef({ repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) });
}

let parser: Promise<{ imageOf: (manifest: Manifest) => string }> | undefined;

/** The image a manifest deploys for its service, as `imageOf` says: the quick read, else the YAML parser (loaded then). */
export async function readImage(manifest: Manifest): Promise<string> {
  const quick = quickImage(manifest);
  if (quick !== undefined) return quick;
  parser ??= import("./manifests.js");
  return (await parser).imageOf(manifest);
}
