import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import { deepArrays, serializeJson } from "./raw-json.js";
import type { JsonSchema, KnownValues } from "./schema-arbitrary.js";
import { conforming, malformed } from "./schema-arbitrary.js";

/** One operation of an OpenAPI 3 document, as the generator needs it. */
export interface Operation {
  method: string;
  /** The OpenAPI path, e.g. "/api/v1/campaigns/{id}". */
  path: string;
  parameters: { in: string; name: string; required: boolean; schema: JsonSchema }[];
  body: JsonSchema | undefined;
}

interface OpenApiOperation {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Pure: every operation of an OpenAPI 3 document. */
export function operationsOf(spec: { paths?: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []).map((p) => ({ in: p.in, name: p.name, required: p.required === true, schema: p.schema ?? {} })),
        body: operation.requestBody?.content?.["application/json"]?.schema,
      });
    }
  }
  return operations;
}

/** A request as `app.inject` takes it, and what kind of request it is (for the report). */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

/** Percent-encodes any string's UTF-8 bytes (encodeURIComponent throws on a lone surrogate). */
function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
  }
}

const rawBytes = fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""));

/** Path segments and query values as they go on the wire (already encoded). */
const ODD_URL_TEXT = fc.oneof(
  fc.constantFrom(
    "%ff", "%fe%ff", "%00", "a%00b", "%c0%af", "%ed%a0%80", "%e2%82", "%", "%zz", "..", "%2e%2e", "%2F", "a%2Fb", "-1", "0", "1.5",
    "1e400", "null", "undefined", "true", "%20", "~", "%F0%9F%98%80", "%C3%A9", ";x", "{id}", "x".repeat(101), "x".repeat(4_000),
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-00000000000g",
  ),
  rawBytes,
  fc.string({ unit: "binary", minLength: 1, maxLength: 20 }).map(percentEncode),
);

const urlText = (value: unknown): string => percentEncode(typeof value === "string" ? value : JSON.stringify(value));

/** One request in `n` gets the extra part (fc.option's freq is the other way round: 1 in freq is nil). */
const oneIn = <T>(n: number, arbitrary: Arbitrary<T>): Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: n - 1 }, { arbitrary, weight: 1 });

/** A part of the request is mostly as the document says, sometimes not. */
const mostly = <T>(good: Arbitrary<T>, bad: Arbitrary<T>): Arbitrary<T> => fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: bad, weight: 1 });

function pathOf(operation: Operation, known: KnownValues): Arbitrary<string> {
  const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const segments = names.map((name) => {
    const schema = operation.parameters.find((p) => p.in === "path" && p.name === name)?.schema ?? { type: "string" };
    return mostly(conforming(schema, known, name).map(urlText), ODD_URL_TEXT);
  });
  return fc.tuple(...segments).map((values) => {
    let i = 0;
    return operation.path.replace(/\{[^}]+\}/g, () => values[i++] ?? "");
  });
}

const ODD_QUERY = fc.constantFrom("%ff=1", "a[b]=1", "=", "&&&", "x=%00", "limit=1&limit=2", "__proto__=1", "constructor[prototype]=1", "%=%", "a=" + "x".repeat(5_000));

function queryOf(operation: Operation, known: KnownValues): Arbitrary<string> {
  const params = operation.parameters.filter((p) => p.in === "query");
  const pairs = params.map((p) => {
    const value = conforming(p.schema, known, p.name).map((v) => `${percentEncode(p.name)}=${urlText(v)}`);
    const bad = fc.oneof(
      ODD_URL_TEXT.map((v) => `${p.name}=${v}`),
      malformed(p.schema, known).map((v) => `${p.name}=${urlText(v)}`),
      fc.tuple(value, value).map(([a, b]) => `${a}&${b}`),
      fc.constant(""),
    );
    return p.required ? mostly(value, bad) : fc.oneof({ arbitrary: fc.constant(""), weight: 3 }, { arbitrary: value, weight: 3 }, { arbitrary: bad, weight: 1 });
  });
  return fc.tuple(fc.tuple(...pairs), oneIn(4, ODD_QUERY)).map(([values, extra]) => {
    const query = [...values, extra ?? ""].filter((v) => v !== "").join("&");
    return query === "" ? "" : `?${query}`;
  });
}

// Header values Node's parser lets through: visible ASCII, space, tab and obs-text (bytes 0x80-0xFF).
const headerText = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength: 40 });
const ODD_HEADER_VALUES = fc.oneof(fc.constantFrom("", " ", "\t", "é", "x".repeat(256), "x".repeat(9_000), "a b", "null", "%00"), headerText);

function authOf(auth: readonly Record<string, string>[]): Arbitrary<Record<string, string>> {
  type Headers = Record<string, string>;
  const valid: Arbitrary<Headers> = auth.length > 0 ? fc.constantFrom(...auth) : fc.constant({});
  const withAuthorization = (value: string | undefined): Headers => (value === undefined ? {} : { authorization: value });
  const odd: Arbitrary<Headers> = fc.oneof(
    fc.constant(withAuthorization(undefined)),
    fc.constantFrom("Bearer", "Bearer ", "Bearer a.b.c", "Basic Zm9vOmJhcg==", "Bearer " + "x".repeat(10_000), "Bearer é", "Bearer\tx", "Token x").map(withAuthorization),
    // RFC 7235: the scheme is case-insensitive, so this one is valid.
    valid.map((h) => withAuthorization(h.authorization?.replace(/^Bearer /, "bearer "))),
    valid.map((h) => withAuthorization(h.authorization === undefined ? undefined : `${h.authorization.slice(0, -3)}abc`)),
    ODD_HEADER_VALUES.map(withAuthorization),
  );
  return mostly(valid, odd);
}

function headerParamsOf(operation: Operation, known: KnownValues): Arbitrary<Record<string, string>> {
  const params = operation.parameters.filter((p) => p.in === "header");
  const entries = params.map((p) => {
    const name = p.name.toLowerCase();
    const value = conforming(p.schema, known, p.name).map((v) => [[name, String(v)]] as [string, string][]);
    return mostly(value, fc.oneof(fc.constant([] as [string, string][]), ODD_HEADER_VALUES.map((v) => [[name, v]] as [string, string][])));
  });
  const extra = oneIn(
    4,
    fc.oneof(
      ODD_HEADER_VALUES.map((v) => ["x-request-id", v] as [string, string]),
      fc.constantFrom("application/xml", "text/html;q=0", "*/*;q=abc").map((v) => ["accept", v] as [string, string]),
      fc.constantFrom("gzip", "br", "identity;q=0").map((v) => ["accept-encoding", v] as [string, string]),
    ),
  );
  return fc.tuple(fc.tuple(...entries), extra).map(([lists, more]) => Object.fromEntries([...lists.flat(), ...(more ? [more] : [])]));
}

const ODD_CONTENT_TYPES = fc.constantFrom(
  "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml",
  "application/problem+json", "application/json; charset=utf-16", "application/json; charset=latin1", "APPLICATION/JSON", "application/json;",
  "application/jsonx", "application/*", "*/*", "", ";;;", "application/octet-stream", "application/json, text/plain",
);

interface Body {
  contentType: string | undefined;
  payload: Buffer | undefined;
}

function rawBodies(valid: Arbitrary<Buffer>): Arbitrary<Buffer> {
  return fc.oneof(
    fc.constantFrom("", "null", "[]", '"x"', "1", "{", '{"a":', "{}x", "\u0000", '{"a":1,"a":2}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}').map((t) => Buffer.from(t)),
    fc.constant(serializeJson(deepArrays(10_000))),
    fc.constant(Buffer.from(`{"x":"${"y".repeat(1_100_000)}"}`)),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.tuple(valid, fc.nat()).map(([bytes, cut]) => bytes.subarray(0, cut % Math.max(bytes.length, 1))),
    valid.map((bytes) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])),
    valid.map((bytes) => Buffer.from(bytes.toString("utf8"), "utf16le")),
    valid.map((bytes) => Buffer.concat([bytes, Buffer.from(" x")])),
  );
}

function bodyOf(operation: Operation, known: KnownValues): Arbitrary<Body> {
  const none: Arbitrary<Body> = fc.constant({ contentType: undefined, payload: undefined });
  const json = (payload: Arbitrary<Buffer>) => payload.map((p): Body => ({ contentType: "application/json", payload: p }));
  const valid = operation.body ? conforming(operation.body, known).map(serializeJson) : fc.constant(Buffer.from("{}"));
  const bad = fc.oneof(
    json(operation.body ? malformed(operation.body, known).map(serializeJson) : valid),
    json(rawBodies(valid)),
    fc.tuple(ODD_CONTENT_TYPES, fc.oneof(valid, rawBodies(valid))).map(([contentType, payload]): Body => ({ contentType: contentType === "" ? undefined : contentType, payload })),
  );
  return operation.body ? mostly(json(valid), bad) : mostly(none, bad);
}

const ODD_LENGTHS = fc.constantFrom((n: number) => String(n + 7), (n: number) => String(Math.max(n - 1, 0)), () => "0");

/**
 * Pure: an arbitrary of requests to one operation. Each part (path
 * parameters, query, auth and header parameters, body and its type) is
 * mostly what the document says and sometimes malformed, so a quarter or so
 * of the requests conform throughout and the rest break one part or more.
 */
export function requestsFor(operation: Operation, options: { auth: readonly Record<string, string>[]; known: KnownValues }): Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: pathOf(operation, options.known),
      query: queryOf(operation, options.known),
      auth: authOf(options.auth),
      headers: headerParamsOf(operation, options.known),
      body: bodyOf(operation, options.known),
      length: oneIn(12, ODD_LENGTHS),
    })
    .map(({ path, query, auth, headers, body, length }) => {
      const all: Record<string, string> = { ...headers, ...auth };
      if (body.contentType !== undefined) all["content-type"] = body.contentType;
      if (length !== null && body.payload !== undefined) all["content-length"] = length(body.payload.length);
      return { method: operation.method, url: path + query, headers: all, ...(body.payload === undefined ? {} : { payload: body.payload }) };
    });
}
