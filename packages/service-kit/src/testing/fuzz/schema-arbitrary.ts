import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import { deepArrays, INVALID_UTF8_STRINGS, ODD_NUMBERS } from "./raw-json.js";

/** The part of JSON Schema (2020-12, as @fastify/swagger writes it from the zod schemas) the generator reads. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/** Values worth trying for a property or parameter of this name (ids that exist, a card that is accepted). */
export type KnownValues = Readonly<Record<string, readonly unknown[]>>;

const typesOf = (schema: JsonSchema): string[] => (schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]);

function conformingString(schema: JsonSchema): Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Math.max(minLength, 40);
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
  if (schema.format === "uri") return fc.webUrl().filter(fits);
  if (schema.format === "ipv4") return fc.ipV4();
  if (schema.format === "ipv6") return fc.ipV6();
  if (schema.format === "uuid") return fc.uuid({ version: [1, 4, 7] });
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern, "u"), { maxLength }).filter(fits);
  if (schema.format === "email") return fc.emailAddress().filter(fits);
  if (schema.format === "date-time") return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString());
  return fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 40), unit: "grapheme" }).filter((s) => s.trim().length >= minLength);
}

function conformingNumber(schema: JsonSchema, integer: boolean): Arbitrary<number> {
  const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : Number.EPSILON) : (schema.minimum ?? -1_000_000);
  const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : Number.EPSILON) : (schema.maximum ?? 1_000_000_000);
  return integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function conformingObject(schema: JsonSchema, known: KnownValues): Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const record = fc.record(
    Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, conforming(sub, known, key)])),
    { requiredKeys: (schema.required ?? []).filter((key) => key in properties) },
  );
  const extra = schema.additionalProperties;
  if (typeof extra !== "object") return record;
  const keys = schema.propertyNames ? (conforming(schema.propertyNames, known) as Arbitrary<string>) : fc.string({ minLength: 1, maxLength: 12 });
  return fc.tuple(record, fc.dictionary(keys, conforming(extra, known), { maxKeys: 4 })).map(([fixed, more]) => ({ ...more, ...fixed }));
}

/** Pure: an arbitrary of values the schema accepts (mostly: a format or pattern may be approximated). */
export function conforming(schema: JsonSchema, known: KnownValues = {}, name?: string): Arbitrary<unknown> {
  const generated = conformingBySchema(schema, known);
  const candidates = name === undefined ? undefined : known[name];
  // Mostly a known value, so a request whose every field must fit (a donation) gets past validation often enough.
  return candidates && candidates.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...candidates), weight: 3 }, { arbitrary: generated, weight: 1 }) : generated;
}

function conformingBySchema(schema: JsonSchema, known: KnownValues): Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((alt) => conforming({ ...schema, anyOf: undefined, oneOf: undefined, ...alt }, known)));
  const types = typesOf(schema);
  if (types.length > 1) return fc.oneof(...types.map((type) => conforming({ ...schema, type }, known)));
  switch (types[0]) {
    case "string":
      return conformingString(schema);
    case "integer":
      return conformingNumber(schema, true);
    case "number":
      return conformingNumber(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(schema.items ? conforming(schema.items, known) : fc.jsonValue({ maxDepth: 2 }), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, (schema.minItems ?? 0) + 4),
      });
    case "object":
      return conformingObject(schema, known);
    default:
      return schema.properties ? conformingObject(schema, known) : fc.jsonValue({ maxDepth: 2 });
  }
}

const NUL_STRINGS = ["\u0000", "a\u0000b", "\u0000".repeat(3)];
const SURROGATE_STRINGS = ["\ud800", "x\udfffy", "\udc00\ud800"];

/** Values of any type a careless handler might choke on; JSON can carry all of them. */
function poison(): Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0.000001, 2 ** 53 + 2, -(2 ** 63), Number.MAX_VALUE, "", " ", "0", "null", "true", [], {}, [null], { "": null }),
    fc.constantFrom(...NUL_STRINGS, ...SURROGATE_STRINGS),
    fc.constantFrom("x".repeat(10_001), "\u{1F600}".repeat(3000), "'; drop table x; --", "../../etc/passwd", "%00", "${jndi:ldap://x}", "<script>", "\r\n\t"),
    fc.constantFrom(...INVALID_UTF8_STRINGS, ...ODD_NUMBERS, deepArrays(65), deepArrays(1_000), deepArrays(10_000)),
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

/** Values just outside the schema's own bounds, or of another JSON type. */
function outOfBounds(schema: JsonSchema): Arbitrary<unknown>[] {
  const edges: unknown[] = [];
  if (schema.minimum !== undefined) edges.push(schema.minimum - 1, schema.minimum - 0.5);
  if (schema.maximum !== undefined) edges.push(schema.maximum + 1, schema.maximum * 2 ** 40);
  if (schema.exclusiveMinimum !== undefined) edges.push(schema.exclusiveMinimum);
  if (schema.minLength !== undefined && schema.minLength > 0) edges.push("x".repeat(schema.minLength - 1), " ".repeat(schema.minLength + 1));
  if (schema.maxLength !== undefined) edges.push("x".repeat(schema.maxLength + 1));
  if (schema.enum !== undefined) edges.push(`${String(schema.enum[0])}x`, String(schema.enum[0]).toUpperCase());
  if (typesOf(schema).includes("integer")) edges.push(1.5, "1", 2 ** 53, 1e21);
  return edges.length > 0 ? [fc.constantFrom(...edges)] : [];
}

/**
 * Pure: an arbitrary of values the schema refuses, or that a handler may
 * mishandle: one field wrong (type, bounds, poison), a required field
 * missing, an unknown field, at any depth.
 */
export function malformed(schema: JsonSchema, known: KnownValues = {}): Arbitrary<unknown> {
  const options: Arbitrary<unknown>[] = [poison(), ...outOfBounds(schema)];
  const properties = schema.properties ?? {};
  const keys = Object.keys(properties);
  if (keys.length > 0) {
    const base = conformingObject(schema, known);
    options.push(
      fc.tuple(base, fc.constantFrom(...keys)).chain(([value, key]) => malformed(properties[key], known).map((bad) => ({ ...value, [key]: bad }))),
      fc.tuple(base, fc.constantFrom(...keys)).map(([value, key]) => {
        const { [key]: _dropped, ...rest } = value;
        return rest;
      }),
      // A computed key is an own property, so "__proto__" reaches the body as a key.
      fc.tuple(base, fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "\u0000", "\ud800")), poison()).map(([value, key, extra]) => ({ ...value, [key]: extra })),
    );
  }
  if (schema.items !== undefined) {
    options.push(fc.tuple(fc.array(conforming(schema.items, known), { maxLength: 3 }), malformed(schema.items, known)).map(([items, bad]) => [...items, bad]));
  }
  return fc.oneof(...options);
}

