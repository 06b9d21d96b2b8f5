import { isMap, isScalar, isSeq, parse, parseAllDocuments } from "yaml";
import type { Document, Node, Pair, Scalar, YAMLMap } from "yaml";
import { InputError } from "../errors.js";

/**
 * Surgical YAML edits: documents are parsed with `yaml` only to find where a
 * value sits in the text; the edit splices new text into that place, so every
 * other byte (comments, blank lines, indentation, quoting) stays as it was and
 * `git diff` shows only the changed line.
 */

/** Replace `source[start, end)` with `text`. */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Parses every document of a file; malformed YAML is an InputError naming the file and position. */
export function parseYamlDocuments(source: string, file: string): Document.Parsed[] {
  const docs = [...parseAllDocuments(source, { prettyErrors: true })];
  for (const doc of docs) {
    const [first] = doc.errors;
    if (first) throw new InputError(`${file} is not valid YAML: ${first.message.split("\n")[0] ?? ""}`, { cause: first });
  }
  return docs;
}

export function applySplices(source: string, splices: readonly Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start);
  let out = source;
  for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/** The scalar value of `key` in a map, as a string, or undefined. */
export function getString(map: YAMLMap, key: string): string | undefined {
  const node = map.get(key, true);
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  const value: unknown = node.value;
  return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}

export function findPair(map: YAMLMap, key: string): Pair<Node, Node> | undefined {
  return (map.items as Array<Pair<Node, Node>>).find((p) => isScalar(p.key) && p.key.value === key);
}

/** Renders `value` as a YAML scalar in the quoting style of the scalar it replaces. */
function renderScalar(value: string, like?: Scalar): string {
  if (like?.type === "QUOTE_SINGLE") return `'${value.replaceAll("'", "''")}'`;
  if (like?.type === "QUOTE_DOUBLE") return JSON.stringify(value);
  return isSafePlain(value) ? value : JSON.stringify(value);
}

function isSafePlain(value: string): boolean {
  if (!/^[A-Za-z0-9_./@+-][\w./:@+-]*$/.test(value) || value.includes(": ") || value.endsWith(":")) return false;
  try {
    return parse(value) === value;
  } catch {
    return false;
  }
}

/** Replaces a scalar node's text; keeps its quoting style. */
export function replaceScalar(node: Scalar, value: string): Splice {
  const [start, end] = rangeOf(node);
  // An empty value (`newTag:`) has a zero-width range right after the colon.
  return { start, end, text: `${start === end ? " " : ""}${renderScalar(value, node)}` };
}

/** Adds `key: value` as a new line right after `after`'s line, at the same indentation. */
export function insertPairAfter(source: string, map: YAMLMap, after: Pair<Node, Node>, key: string, value: string): Splice {
  if (map.flow) throw new InputError(`cannot add "${key}" to a flow-style mapping ({...}); write it in block style`);
  const [keyStart] = rangeOf(after.key);
  const indent = keyStart - (source.lastIndexOf("\n", keyStart - 1) + 1);
  const valueEnd = after.value ? rangeOf(after.value)[1] : rangeOf(after.key)[1];
  const newline = source.indexOf("\n", valueEnd);
  const at = newline < 0 ? source.length : newline;
  return { start: at, end: at, text: `\n${" ".repeat(indent)}${key}: ${renderScalar(value)}` };
}

/** Removes a `key: value` pair that sits alone on its own line(s). */
export function removePairLine(source: string, map: YAMLMap, pair: Pair<Node, Node>): Splice {
  const [keyStart] = rangeOf(pair.key);
  const lineStart = source.lastIndexOf("\n", keyStart - 1) + 1;
  if (map.flow || source.slice(lineStart, keyStart).trim() !== "") {
    throw new InputError(`cannot remove "${String((pair.key as Scalar).value)}" here without reformatting; edit it by hand`);
  }
  const valueEnd = pair.value ? rangeOf(pair.value)[1] : rangeOf(pair.key)[1];
  const newline = source.indexOf("\n", valueEnd);
  return { start: lineStart, end: newline < 0 ? source.length : newline + 1, text: "" };
}

function rangeOf(node: unknown): [number, number] {
  const range = (node as { range?: [number, number, number] | null }).range;
  if (!range) throw new Error("YAML node without a source range");
  return [range[0], range[1]];
}

/** Maps in `node` reached by following `path` (a `*` step walks every item of a sequence). */
export function mapsAt(node: unknown, path: readonly string[]): YAMLMap[] {
  if (path.length === 0) return isMap(node) ? [node] : [];
  const [step, ...rest] = path as [string, ...string[]];
  if (step === "*") return isSeq(node) ? node.items.flatMap((item) => mapsAt(item, rest)) : [];
  return isMap(node) ? mapsAt(node.get(step, true), rest) : [];
}
