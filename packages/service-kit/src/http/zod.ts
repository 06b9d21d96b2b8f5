import type { FastifySchema, FastifySchemaCompiler, FastifyTypeProvider, RouteOptions } from "fastify";
import { z } from "zod";
import { AppError } from "../errors.js";
import type { ProblemFieldError } from "../errors.js";

/** Lets route handlers see the types of their zod schemas: `app.withTypeProvider<ZodTypeProvider>()`. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this["schema"] extends z.ZodType ? z.output<this["schema"]> : unknown;
  serializer: this["schema"] extends z.ZodType ? z.input<this["schema"]> : unknown;
}

type HttpPart = ProblemFieldError["in"];

/** Request input that does not match the route's schema: 400 `BH_VALIDATION` with `errors[]`. */
export class RequestValidationError extends AppError {
  override name = "RequestValidationError";
  readonly statusCode = 400;
  constructor(part: HttpPart, errors: ProblemFieldError[], cause: unknown) {
    super(400, "BH_VALIDATION", "Bad Request", `the request ${part} is invalid: ${errors.map((e) => `${e.path || part} ${e.message}`).join("; ")}`, {
      cause,
      errors,
    });
  }
}

function isZodSchema(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

function pointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

const PARTS: Record<string, HttpPart> = { body: "body", querystring: "querystring", params: "params", headers: "headers" };

/** zod's message, except that a missing value says so plainly. */
function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.code === "invalid_type" && / received undefined$/.test(issue.message) ? "is required" : issue.message;
}

/** Validates request parts with their zod schemas (no coercion unless the schema asks for it). */
export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (!isZodSchema(schema)) {
    throw new TypeError(`route schemas must be zod schemas (got a plain object for ${httpPart ?? "a part"})`);
  }
  const part = PARTS[httpPart ?? "body"] ?? "body";
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    const errors = result.error.issues.map((issue) => ({ in: part, path: pointer(issue.path), message: describeIssue(issue) }));
    return { error: new RequestValidationError(part, errors, result.error) };
  };
};

/** JSON Schema (draft-07) of a zod schema, for OpenAPI and fast response serialization. */
export function toJsonSchema(schema: z.ZodType, io: "input" | "output" = "output"): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: "draft-07", io, unrepresentable: "any" });
  return json;
}

/** onRoute: response schemas given as zod become JSON Schema, so Fastify serializes them fast. */
export function convertResponseSchemas(route: RouteOptions): void {
  const response = route.schema?.response as Record<string, unknown> | undefined;
  if (response === undefined) return;
  for (const [status, schema] of Object.entries(response)) {
    if (isZodSchema(schema)) response[status] = toJsonSchema(schema);
  }
}

/** @fastify/swagger transform: zod request schemas become JSON Schema in the OpenAPI document. */
export function zodSwaggerTransform({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  if ((schema as FastifySchema | undefined) === undefined) return { schema, url };
  const transformed: Record<string, unknown> = { ...schema };
  for (const part of ["body", "querystring", "params", "headers"] as const) {
    const value = schema[part];
    if (isZodSchema(value)) transformed[part] = toJsonSchema(value, "input");
  }
  return { schema: transformed, url };
}
