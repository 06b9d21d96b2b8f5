/**
 * JSON with positions, and minimal `string -> string` edits of it: a flag change rewrites only the values that
 * change, so the file keeps its key order and formatting and a promotion is a one-line diff (JSON has no comments
 * to keep; the layout is what a reviewer reads). Pure.
 */

export type JsonNode =
  | { kind: "object"; start: number; end: number; members: JsonMember[] }
  | { kind: "array"; start: number; end: number; items: JsonNode[] }
  | { kind: "scalar"; start: number; end: number; value: unknown };

interface JsonMember {
  key: string;
  keyStart: number;
  value: JsonNode;
}

/** Not JSON: where (0-based offset) and why. */
export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const WS = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON strings: no raw control characters (RFC 8259 section 7).
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Parses `text` keeping every value's span. Throws JsonSyntaxError. */
export function parseJsonTree(text: string): JsonNode {
  let at = 0;
  const skip = (): void => {
    WS.lastIndex = at;
    WS.exec(text);
    at = WS.lastIndex;
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(at >= text.length ? `unexpected end of JSON, ${what}` : `unexpected ${JSON.stringify(text[at])}, ${what}`, at);
  };
  const token = (re: RegExp): string | undefined => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    at = re.lastIndex;
    return m[0];
  };
  const value = (): JsonNode => {
    skip();
    const start = at;
    const c = text[at];
    if (c === "{") {
      at++;
      const members: JsonMember[] = [];
      skip();
      if (text[at] === "}") return { kind: "object", start, end: ++at, members };
      for (;;) {
        skip();
        const keyStart = at;
        const raw = token(STRING) ?? fail("expected a string key");
        skip();
        if (text[at] !== ":") fail('expected ":"');
        at++;
        members.push({ key: JSON.parse(raw) as string, keyStart, value: value() });
        skip();
        if (text[at] === ",") at++;
        else if (text[at] === "}") return { kind: "object", start, end: ++at, members };
        else fail('expected "," or "}"');
      }
    }
    if (c === "[") {
      at++;
      const items: JsonNode[] = [];
      skip();
      if (text[at] === "]") return { kind: "array", start, end: ++at, items };
      for (;;) {
        items.push(value());
        skip();
        if (text[at] === ",") at++;
        else if (text[at] === "]") return { kind: "array", start, end: ++at, items };
        else fail('expected "," or "]"');
      }
    }
    const raw = token(STRING) ?? token(NUMBER) ?? (["true", "false", "null"].find((w) => text.startsWith(w, at)) ? token(/true|false|null/y) : undefined);
    if (raw === undefined) return fail("expected a value");
    return { kind: "scalar", start, end: at, value: JSON.parse(raw) as unknown };
  };
  const root = value();
  skip();
  if (at < text.length) fail("expected the end of the JSON text");
  return root;
}

/** 1-based line of a 0-based offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The node at `path` (object keys, array indices as strings); undefined when it does not exist. */
function nodeAt(root: JsonNode, path: readonly string[]): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const step of path) {
    if (node?.kind === "object") node = node.members.find((m) => m.key === step)?.value;
    else if (node?.kind === "array") node = /^\d+$/.test(step) ? node.items[Number(step)] : undefined;
    else return undefined;
  }
  return node;
}

/** RFC 6901 pointer of a path, and back. */
export const toPointer = (path: readonly string[]): string => path.map((p) => `/${p.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
const fromPointer = (pointer: string): string[] =>
  pointer === "" ? [] : pointer.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));

/** The line of the deepest node of `pointer` that exists: what a finding points at. */
export function lineOfPointer(text: string, pointer: string): number {
  let root: JsonNode;
  try {
    root = parseJsonTree(text);
  } catch {
    return 1;
  }
  const path = fromPointer(pointer);
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(root, path.slice(0, n));
    if (!node) continue;
    if (n === 0) return lineOf(text, node.start);
    const parent = nodeAt(root, path.slice(0, n - 1));
    const member = parent?.kind === "object" ? parent.members.find((m) => m.value === node) : undefined;
    return lineOf(text, member?.keyStart ?? node.start);
  }
  return 1;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Equal as JSON values (key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return a === b;
}

/** The plain value of a node. */
function valueOf(node: JsonNode): unknown {
  if (node.kind === "scalar") return node.value;
  if (node.kind === "array") return node.items.map(valueOf);
  return Object.fromEntries(node.members.map((m) => [m.key, valueOf(m.value)]));
}

/** The file's indent unit (its first indented line's), two spaces when nothing is indented. */
function indentUnit(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? "  ";
}

/** The whitespace that starts the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? "";
}

const multiline = (text: string, node: JsonNode): boolean => text.slice(node.start, node.end).includes("\n");

/** `value` as JSON in the file's style, its continuation lines indented by `indent`. */
function serialize(value: unknown, indent: string, unit: string, inline: boolean): string {
  if (inline) return JSON.stringify(value);
  return JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`);
}

const splice = (text: string, start: number, end: number, insert: string): string => text.slice(0, start) + insert + text.slice(end);

/**
 * Sets (or with `value` undefined removes) the member at `path` of an object; its parent object must exist.
 * A new member goes after the member `after` names (null: first; undefined or absent: last), in the layout of its
 * siblings.
 */
export function setMember(text: string, path: readonly string[], value: unknown, after?: string | null): string {
  const root = parseJsonTree(text);
  const key = path.at(-1);
  const parent = nodeAt(root, path.slice(0, -1));
  if (key === undefined || parent?.kind !== "object") throw new Error(`no object at ${toPointer(path.slice(0, -1))}`);
  const unit = indentUnit(text);
  const members = parent.members;
  const i = members.findIndex((m) => m.key === key);
  if (value === undefined) {
    if (i < 0) return text;
    if (members.length === 1) return splice(text, parent.start + 1, parent.end - 1, "");
    if (i < members.length - 1) return splice(text, members[i].keyStart, members[i + 1].keyStart, "");
    return splice(text, members[i - 1].value.end, members[i].value.end, "");
  }
  if (i >= 0) {
    const node = members[i].value;
    const inline = !multiline(text, parent);
    return splice(text, node.start, node.end, serialize(value, lineIndent(text, members[i].keyStart), unit, inline));
  }
  const next = after === undefined ? -1 : after === null ? 0 : members.findIndex((m) => m.key === after) + 1;
  const before = next > 0 && next < members.length ? members[next] : next === 0 ? members[0] : undefined;
  if (before) {
    const inline = !multiline(text, parent);
    const indent = lineIndent(text, before.keyStart);
    const member = `${JSON.stringify(key)}: ${serialize(value, indent, unit, inline)}`;
    return splice(text, before.keyStart, before.keyStart, inline ? `${member}, ` : `${member},\n${indent}`);
  }
  const last = members.at(-1);
  if (!last) {
    const indent = lineIndent(text, parent.start);
    return splice(text, parent.start, parent.end, `{\n${indent}${unit}${JSON.stringify(key)}: ${serialize(value, indent + unit, unit, false)}\n${indent}}`);
  }
  if (!multiline(text, parent)) return splice(text, last.value.end, last.value.end, `, ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  const indent = lineIndent(text, last.keyStart);
  return splice(text, last.value.end, last.value.end, `,\n${indent}${JSON.stringify(key)}: ${serialize(value, indent, unit, false)}`);
}

/** Replaces the array item at `path` (it must exist). */
function setItem(text: string, path: readonly string[], value: unknown): string {
  const root = parseJsonTree(text);
  const node = nodeAt(root, path);
  const parent = nodeAt(root, path.slice(0, -1));
  if (!node || parent?.kind !== "array") throw new Error(`no array item at ${toPointer(path)}`);
  return splice(text, node.start, node.end, serialize(value, lineIndent(text, node.start), indentUnit(text), !multiline(text, parent)));
}

/**
 * The text with the value at `path` made equal to `value`, touching only what differs: members of objects are
 * patched one by one (kept in the file's order, new ones after their predecessor in `value`, missing ones
 * removed), arrays of the same length
 * item by item, anything else replaced. `value` undefined removes the member.
 */
export function patchJson(text: string, path: readonly string[], value: unknown): string {
  const node = nodeAt(parseJsonTree(text), path);
  if (value === undefined || !node) return setMember(text, path, value);
  if (sameJson(valueOf(node), value)) return text;
  let out = text;
  if (node.kind === "object" && isPlainObject(value)) {
    for (const m of node.members) if (!(m.key in value)) out = setMember(out, [...path, m.key], undefined);
    // A new member goes after the one before it in `value`, so promoting a flag gives the source's layout.
    const keys = Object.keys(value);
    keys.forEach((k, i) => {
      const present = nodeAt(parseJsonTree(out), [...path, k]) !== undefined;
      out = present ? patchJson(out, [...path, k], value[k]) : setMember(out, [...path, k], value[k], i === 0 ? null : keys[i - 1]);
    });
    return out;
  }
  if (node.kind === "array" && Array.isArray(value) && value.length === node.items.length) {
    value.forEach((v, i) => {
      const item = nodeAt(parseJsonTree(out), [...path, String(i)]);
      if (!item || sameJson(valueOf(item), v)) return;
      out = (item.kind === "object" && isPlainObject(v)) || (item.kind === "array" && Array.isArray(v)) ? patchJson(out, [...path, String(i)], v) : setItem(out, [...path, String(i)], v);
    });
    return out;
  }
  const parent = nodeAt(parseJsonTree(text), path.slice(0, -1));
  return parent?.kind === "array" ? setItem(text, path, value) : setMember(text, path, value);
}
