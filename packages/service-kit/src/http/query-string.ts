import type { FastifyInstance } from "fastify";
import { InputError } from "../errors.js";

type ParsedQuery = Record<string, string | string[]>;

/** The parameters of a parsed query whose percent-escapes were not UTF-8, by the query object. */
const undecodable = new WeakMap<ParsedQuery, string[]>();

/**
 * Fastify's `querystringParser`: the query as fast-querystring parses it
 * (`+` is a space, a repeated name is an array, a name without `=` is ""),
 * except that an escape that is not UTF-8 (`%ff`, `%c0%af`) is remembered
 * for a 400, where fast-querystring keeps the raw text as if it were the value.
 */
export function parseQueryString(query: string): ParsedQuery {
  const result = Object.create(null) as ParsedQuery;
  const bad: string[] = [];
  const decode = (text: string): { text: string; ok: boolean } => {
    const spaced = text.includes("+") ? text.replaceAll("+", " ") : text;
    if (!spaced.includes("%")) return { text: spaced, ok: true };
    try {
      return { text: decodeURIComponent(spaced), ok: true };
    } catch {
      return { text: spaced, ok: false };
    }
  };
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const name = decode(at === -1 ? pair : pair.slice(0, at));
    const value = decode(at === -1 ? "" : pair.slice(at + 1));
    if (!name.ok || !value.ok) bad.push(name.text);
    const current = result[name.text];
    if (current === undefined) result[name.text] = value.text;
    else if (Array.isArray(current)) current.push(value.text);
    else result[name.text] = [current, value.text];
  }
  if (bad.length > 0) undecodable.set(result, bad);
  return result;
}

/** A query parameter that is not percent-encoded UTF-8 is a 400 naming it, before validation sees the raw text. */
export function rejectUndecodableQuery(app: FastifyInstance): void {
  app.addHook("preValidation", (request, _reply, done) => {
    const bad = undecodable.get(request.query as ParsedQuery);
    if (bad === undefined) {
      done();
      return;
    }
    const path = `/${bad[0].replaceAll("~", "~0").replaceAll("/", "~1")}`;
    done(
      new InputError(`querystring ${path}: the percent-encoding is not UTF-8`, {
        code: "BH_INVALID_UTF8",
        errors: [{ in: "querystring", path, message: "the percent-encoding is not UTF-8" }],
      }),
    );
  });
}
