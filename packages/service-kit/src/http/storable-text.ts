import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { InputError } from "../errors.js";

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

/** The JSON-pointer path of the first string (or key) PostgreSQL could not store, if any. */
export function findUnstorableText(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return UNSTORABLE.test(value) ? path || "/" : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const here = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (UNSTORABLE.test(key)) return here;
      const found = findUnstorableText(item, here);
      if (found) return found;
    }
  }
  return undefined;
}

/** Every service refuses, with a 400 naming the field, text it could never store. */
export function rejectUnstorableText(app: FastifyInstance): void {
  app.addHook("preValidation", (request, _reply, done) => {
    for (const [where, value] of [["body", request.body], ["querystring", request.query], ["params", request.params]] as const) {
      const path = findUnstorableText(value);
      if (path !== undefined) {
        done(
          new InputError(`${where} ${path}: text must not contain NUL characters or unpaired UTF-16 surrogates`, {
            errors: [{ in: where, path, message: "must not contain NUL characters or unpaired UTF-16 surrogates" }],
          }),
        );
        return;
      }
    }
    done();
  });
}
