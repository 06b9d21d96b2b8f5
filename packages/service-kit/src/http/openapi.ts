import type { FastifySchema, RouteOptions } from "fastify";
import { zodSwaggerTransform } from "./zod.js";

/** The header the idempotency plugin reads, as the OpenAPI document states it (1–255 printable ASCII characters). */
const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
const IDEMPOTENCY_KEY_SCHEMA = {
  type: "string",
  minLength: 1,
  maxLength: 255,
  pattern: "^[!-~]{1,255}$",
  description: "Repeats with the same key replay the first response (24 h); a different request with the same key is 400.",
};

interface HeadersSchema {
  type?: string;
  properties?: Record<string, unknown>;
  required?: string[];
}

/** Pure: a route's headers JSON Schema with Idempotency-Key added (required or not), unless it already declares it. */
function withIdempotencyKey(headers: HeadersSchema | undefined, mode: "required" | "optional"): HeadersSchema {
  const properties = headers?.properties ?? {};
  if (Object.keys(properties).some((name) => name.toLowerCase() === IDEMPOTENCY_KEY_HEADER.toLowerCase())) return headers ?? {};
  const required = headers?.required ?? [];
  return {
    ...headers,
    type: "object",
    properties: { ...properties, [IDEMPOTENCY_KEY_HEADER]: IDEMPOTENCY_KEY_SCHEMA },
    required: mode === "required" ? [...required, IDEMPOTENCY_KEY_HEADER] : required,
  };
}

/**
 * @fastify/swagger transform for every service: zod schemas become JSON
 * Schema, and a route with `config.idempotency` documents the header the
 * kit enforces, so the document cannot drift from the code.
 */
export function serviceSwaggerTransform(input: { schema: FastifySchema; url: string; route?: Pick<RouteOptions, "config"> }): {
  schema: FastifySchema;
  url: string;
} {
  const transformed = zodSwaggerTransform(input);
  const mode = input.route?.config?.idempotency;
  if (mode === undefined || (transformed.schema as FastifySchema | undefined) === undefined) return transformed;
  const headers = withIdempotencyKey(transformed.schema.headers as HeadersSchema | undefined, mode);
  return { ...transformed, schema: { ...transformed.schema, headers } };
}
