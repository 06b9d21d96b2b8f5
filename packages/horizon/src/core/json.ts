import { z } from "zod";

/** `text` as JSON that `schema` accepts, or why not: `not JSON: …`, or zod's issues on one line. */
export function parseJsonAs<T>(schema: z.ZodType<T>, text: string): { data: T } | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { invalid: `not JSON: ${(error as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { data: parsed.data } : { invalid: z.prettifyError(parsed.error).replace(/\n\s*/g, " ") };
}
