import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";

const QUANTITY = /^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z%]*)\s*$/;

/** A number with a unit from `units` (factor to the canonical unit); anything else is an issue naming the value. */
function quantity(units: Record<string, number>, example: string) {
  const expected = Object.keys(units).join(" or ");
  return z.union([z.string(), z.number()]).transform((raw, ctx) => {
    const match = QUANTITY.exec(String(raw));
    if (!match) {
      ctx.addIssue({ code: "custom", message: `not a quantity: ${JSON.stringify(raw)} (expected e.g. ${example})` });
      return z.NEVER;
    }
    const [, number = "", unit = ""] = match;
    if (unit === "") {
      ctx.addIssue({ code: "custom", message: `missing unit in ${JSON.stringify(raw)} (expected ${expected}, e.g. ${example})` });
      return z.NEVER;
    }
    const factor = units[unit];
    if (factor === undefined) {
      ctx.addIssue({ code: "custom", message: `unknown unit ${JSON.stringify(raw)} (expected ${expected}, e.g. ${example})` });
      return z.NEVER;
    }
    const value = Number(number) * factor;
    if (value < 0) {
      ctx.addIssue({ code: "custom", message: `must not be negative: ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    return value;
  });
}

const percent = quantity({ "%": 1 }, "80%").refine((value) => value <= 100, "a percentage cannot exceed 100%");
const milliseconds = quantity({ ms: 1, s: 1000 }, "100ms");
const count = z.number().int("must be a whole number").nonnegative("must not be negative");
const required = z.boolean().default(false);

/** The spec §7.1 gate file: each gate optional, every key and unit checked. Percentages in percent, latency in ms. */
export const GatesFileSchema = z.strictObject({
  quality_gates: z.strictObject({
    code_coverage: z.strictObject({ threshold: percent, required }).optional(),
    security_vulnerabilities: z
      .strictObject({
        critical: count.optional(),
        high: count.optional(),
        medium: count.optional(),
        low: count.optional(),
        required,
      })
      .optional(),
    performance_tests: z
      .strictObject({ p95_latency: milliseconds.optional(), error_rate: percent.optional(), required })
      .optional(),
    integration_tests: z.strictObject({ pass_rate: percent, required }).optional(),
    load_tests: z
      .strictObject({
        requests_per_second: z.number().nonnegative("must not be negative").optional(),
        concurrent_users: count.optional(),
        required,
      })
      .optional(),
  }),
});

export type GatesConfig = z.output<typeof GatesFileSchema>["quality_gates"];

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${[...path, key].join(".")}: unknown key`).join("; ");
  }
  const where = path.length > 0 ? path.join(".") : "(top level)";
  if (issue.code === "invalid_type" && issue.input === undefined) return `${where}: missing`;
  return `${where}: ${issue.message}`;
}

/** Parses the gate file's text; any problem is an InputError naming the file and the key path. */
export function parseGatesConfig(text: string, file: string): GatesConfig {
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    const reason = error instanceof YAMLParseError ? (error.message.split("\n")[0] ?? error.message) : String(error);
    throw new InputError(`${file}: not valid YAML: ${reason}`, { cause: error });
  }
  const result = GatesFileSchema.safeParse(data ?? {}, { reportInput: true });
  if (!result.success) {
    throw new InputError(`${file}: ${result.error.issues.map(describeIssue).join("; ")}`, { cause: result.error });
  }
  return result.data.quality_gates;
}
