import { z } from "zod";

/** NUL and unpaired UTF-16 surrogates: PostgreSQL refuses them in text and jsonb, which would turn bad input into a 500. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const STORABLE = /^[^\u0000\p{Cs}]*$/u;

/** A trimmed string of `min`..`max` characters that PostgreSQL can store. */
export function storableText(min: number, max: number) {
  return z.string().trim().min(min).max(max).regex(STORABLE, "must not contain NUL characters or unpaired surrogates");
}
