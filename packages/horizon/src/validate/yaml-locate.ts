import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import type { Document, Node } from "yaml";

/** A YAML document with what is needed to point at lines inside it. */
export interface LocatedDocument {
  value: unknown;
  /** 1-based line of the node at a JSON path (or of its nearest existing parent). */
  lineOf: (path: readonly (string | number)[]) => number;
  /** 1-based line where the document starts. */
  line: number;
}

interface ParsedYaml {
  documents: LocatedDocument[];
  /** Syntax errors, each with its line. */
  errors: { line: number; message: string }[];
}

function childOf(node: unknown, key: string | number): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
    return pair ? { pair } : undefined;
  }
  if (isSeq(node) && typeof key === "number") return node.items[key];
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const n = node as { range?: [number, number, number] } | undefined;
  return n?.range?.[0];
}

function locate(doc: Document, counter: LineCounter): LocatedDocument {
  const start = rangeStart(doc.contents) ?? 0;
  return {
    value: doc.toJS({ maxAliasCount: 100 }) as unknown,
    line: counter.linePos(start).line,
    lineOf: (path) => {
      let node: unknown = doc.contents;
      let offset = start;
      for (const key of path) {
        const next = childOf(node, key);
        if (next === undefined) break;
        if (typeof next === "object" && next !== null && "pair" in next) {
          const pair = (next as { pair: { key: Node; value: unknown } }).pair;
          offset = rangeStart(pair.key) ?? offset;
          node = pair.value;
        } else {
          offset = rangeStart(next) ?? offset;
          node = next;
        }
      }
      return counter.linePos(offset).line;
    },
  };
}

/** Parses every document of a YAML file, keeping positions for findings. */
export function parseYamlWithLines(source: string): ParsedYaml {
  const counter = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter: counter, prettyErrors: false });
  if (!Array.isArray(docs)) return { documents: [], errors: [] };
  const errors = docs.flatMap((d) => d.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, message: e.message.split("\n")[0] ?? e.message })));
  const documents = docs.filter((d) => d.errors.length === 0 && d.contents !== null).map((d) => locate(d, counter));
  return { documents, errors };
}

/** `/spec/template/0/name` (an ajv instancePath) as path segments; digits become indices. */
export function pointerToPath(pointer: string): (string | number)[] {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Path segments as a JSON pointer (RFC 6901), the inverse of `pointerToPath`. */
export const pathToPointer = (path: readonly (string | number)[]): string =>
  path.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
