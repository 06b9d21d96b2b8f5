import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { InputError } from "../errors.js";
import type { ProblemFieldError } from "../errors.js";

// NUL and unpaired UTF-16 surrogates: PostgreSQL refuses both in text and
// jsonb, so without this check such input reaches the database as a 500.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/**
 * A trimmed string of `min`..`max` characters that PostgreSQL can store: for
 * schemas of text that also arrives other than through HTTP (events, jobs).
 */
export function storableText(min: number, max: number) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((text) => !UNSTORABLE.test(text), "must not contain NUL characters or unpaired surrogates");
}

// PostgreSQL's timestamptz input refuses a UTC offset of 16 hours or more
// (MAX_TZDISP_HOUR 15 in postgres src/include/datatype/timestamp.h) and the
// year 0000 (there is no year 0 before 0001 AD); RFC 3339 allows both.
const OFFSET = /(?:Z|([+-])(\d\d):(\d\d))$/i;
function storableInstant(text: string): boolean {
  if (text.startsWith("0000")) return false;
  const offset = OFFSET.exec(text);
  return offset?.[2] === undefined || Number(offset[2]) <= 15;
}

/**
 * An RFC 3339 date-time with an offset that PostgreSQL can store as
 * timestamptz: a query value such as `before` gets a 400 naming it instead of
 * the database's 500.
 */
export function storableTimestamp() {
  return z.iso.datetime({ offset: true }).refine(storableInstant, "must be a time from year 0001 on, with a UTC offset between -15:59 and +15:59");
}

/** One value still to look at, and how it was reached (segments are joined only for the answer). */
interface Pending {
  value: unknown;
  segment: string;
  parent: Pending | undefined;
}

function pointerOf(pending: Pending): string {
  const segments: string[] = [];
  for (let at: Pending | undefined = pending; at !== undefined; at = at.parent) segments.push(at.segment);
  return segments.reverse().join("");
}

/**
 * The JSON-pointer path of the first string (or key) PostgreSQL could not
 * store, if any. Iterative, so no nesting depth can overflow the stack.
 */
export function findUnstorableText(value: unknown, path = ""): string | undefined {
  const stack: Pending[] = [{ value, segment: path, parent: undefined }];
  for (let pending = stack.pop(); pending !== undefined; pending = stack.pop()) {
    const current = pending.value;
    if (typeof current === "string") {
      if (UNSTORABLE.test(current)) return pointerOf(pending) || "/";
      continue;
    }
    // Bytes (a route's raw body) are no text; that route decodes and checks them itself.
    if (current === null || typeof current !== "object" || ArrayBuffer.isView(current)) continue;
    const children: Pending[] = [];
    if (Array.isArray(current)) {
      current.forEach((item: unknown, i) => children.push({ value: item, segment: `/${i}`, parent: pending }));
    } else {
      for (const [key, item] of Object.entries(current as Record<string, unknown>)) {
        const child = { value: item, segment: `/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, parent: pending };
        // The key is checked before what it holds, as a string at the same path.
        children.push({ value: key, segment: "", parent: child }, child);
      }
    }
    // Reversed, so the first child is looked at first: the answer is the first in document order.
    for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i]);
  }
  return undefined;
}

/**
 * Pure: the 400 naming the first text in `value` PostgreSQL could not store,
 * or undefined. For routes that parse their own body (a signed webhook):
 * text is refused even where it would not be stored, as every other route does.
 */
export function unstorableTextError(where: ProblemFieldError["in"], value: unknown): InputError | undefined {
  const path = findUnstorableText(value);
  if (path === undefined) return undefined;
  return new InputError(`${where} ${path}: text must not contain NUL characters or unpaired UTF-16 surrogates`, {
    errors: [{ in: where, path, message: "must not contain NUL characters or unpaired UTF-16 surrogates" }],
  });
}

/** Every service refuses, with a 400 naming the field, text it could never store. */
export function rejectUnstorableText(app: FastifyInstance): void {
  app.addHook("preValidation", (request, _reply, done) => {
    for (const [where, value] of [["body", request.body], ["querystring", request.query], ["params", request.params]] as const) {
      const error = unstorableTextError(where, value);
      if (error !== undefined) {
        done(error);
        return;
      }
    }
    done();
  });
}
