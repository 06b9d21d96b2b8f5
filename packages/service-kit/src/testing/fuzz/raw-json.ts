/**
 * Bytes spliced verbatim into a JSON body where a value would go: what
 * `JSON.stringify` cannot write (invalid UTF-8, 10,000 levels of nesting
 * without building them, numbers past the double range).
 */
class RawJson {
  constructor(
    readonly bytes: Buffer,
    readonly label: string,
  ) {}
  /** Shown in a counterexample instead of the bytes. */
  toString(): string {
    return `RawJson(${this.label})`;
  }
}

/** Pure: a value that may hold RawJson parts -> the body bytes. */
export function serializeJson(value: unknown): Buffer {
  const parts: RawJson[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof RawJson) {
      parts.push(item);
      return `\u0001raw${parts.length - 1}\u0001`;
    }
    return item;
  }) as string | undefined;
  if (text === undefined) return Buffer.alloc(0);
  if (parts.length === 0) return Buffer.from(text, "utf8");
  // JSON.stringify writes U+0001 as the escape \u0001, so the marker cannot clash with generated text.
  const pieces: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(/"\\u0001raw(\d+)\\u0001"/g)) {
    pieces.push(Buffer.from(text.slice(last, match.index), "utf8"), parts[Number(match[1])].bytes);
    last = match.index + match[0].length;
  }
  pieces.push(Buffer.from(text.slice(last), "utf8"));
  return Buffer.concat(pieces);
}

const bytes = (hex: string) => Buffer.from(hex.replaceAll(" ", ""), "hex");

/** JSON strings whose bytes are not UTF-8 (lone continuation, overlong, CESU surrogate, truncated, 0xFF). */
export const INVALID_UTF8_STRINGS: readonly RawJson[] = [
  new RawJson(Buffer.concat([bytes("22 61"), bytes("ff"), bytes("62 22")]), "string with byte FF"),
  new RawJson(Buffer.concat([bytes("22"), bytes("c0 af"), bytes("22")]), "string with overlong C0 AF"),
  new RawJson(Buffer.concat([bytes("22"), bytes("ed a0 80"), bytes("22")]), "string with CESU-8 surrogate ED A0 80"),
  new RawJson(Buffer.concat([bytes("22 78"), bytes("e2 82"), bytes("22")]), "string with truncated E2 82"),
  new RawJson(Buffer.concat([bytes("22"), bytes("80 80"), bytes("22")]), "string with lone continuation bytes"),
];

/** Nesting as text: n arrays deep. */
export function deepArrays(depth: number): RawJson {
  return new RawJson(Buffer.from("[".repeat(depth) + "]".repeat(depth)), `${depth} nested arrays`);
}

/** Numbers JSON allows and doubles do not hold. */
export const ODD_NUMBERS: readonly RawJson[] = ["1e400", "-1e400", "123456789012345678901234567890", "1e-400", "-0", "0.0000000000000000000001"].map(
  (text) => new RawJson(Buffer.from(text), `number ${text}`),
);
