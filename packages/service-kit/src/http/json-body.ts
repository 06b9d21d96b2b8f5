import type { FastifyInstance, FastifyRequest } from "fastify";
import { InputError } from "../errors.js";

/**
 * Deepest nesting of arrays and objects a JSON body may have. No API needs
 * more than a handful of levels; without a limit, 16 KB of `[` overflows the
 * stack of whatever walks the body next (validation, logging, JSON.stringify).
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Pure: the deepest nesting in JSON text, counting only brackets outside strings; stops once past `limit`. */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth -= 1;
    }
  }
  return false;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8KeepingBom = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Pure: bytes -> text, or a 400 `BH_INVALID_UTF8` saying `what` is not
 * UTF-8. Decoding leniently would store U+FFFD in place of what the client
 * sent. `keepBom` keeps a leading BOM, so the text is the exact bytes (a
 * signature covers them).
 */
export function decodeUtf8(bytes: Uint8Array, what = "the request body", options: { keepBom?: boolean } = {}): string {
  try {
    return (options.keepBom === true ? utf8KeepingBom : utf8).decode(bytes);
  } catch (error) {
    throw new InputError(`${what} is not valid UTF-8`, { code: "BH_INVALID_UTF8", cause: error });
  }
}

function malformed(detail: string): InputError {
  return new InputError(detail, { code: "BH_MALFORMED_JSON" });
}

/** JSON.parse reviver refusing what Fastify's own parser refuses: keys that would poison prototypes when merged. */
function refusePoisoning(key: string, value: unknown): unknown {
  if (key === "__proto__") throw malformed('the request body has a "__proto__" key');
  if (key === "constructor" && value !== null && typeof value === "object" && Object.hasOwn(value, "prototype")) {
    throw malformed('the request body has a "constructor.prototype" key');
  }
  return value;
}

/** Pure: a JSON request body (bytes) -> its value, or the InputError a client sees. */
function parseJsonBody(body: Buffer, maxDepth = MAX_JSON_DEPTH): unknown {
  if (body.length === 0) throw malformed("the request body is empty but its Content-Type is JSON");
  return parseJsonText(decodeUtf8(body), maxDepth);
}

/**
 * Pure: JSON text -> its value, refusing too-deep nesting before parsing and
 * prototype-poisoning keys, as the kit's body parser does: for routes that
 * read their raw body (a signed webhook) and parse it themselves.
 */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new InputError(`the request body nests arrays and objects more than ${maxDepth} levels deep`, { code: "BH_JSON_TOO_DEEP" });
  }
  try {
    return JSON.parse(text, refusePoisoning) as unknown;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw malformed("the request body is not valid JSON");
  }
}

/**
 * Replaces Fastify's application/json parser with one that refuses invalid
 * UTF-8 and too-deep nesting while parsing, before anything recurses over the body.
 */
export function parseJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request: FastifyRequest, body: Buffer, done) => {
    try {
      done(null, parseJsonBody(body));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
