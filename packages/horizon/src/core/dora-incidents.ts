import { z } from "zod";
import { InputError } from "../errors.js";
import type { Incident } from "./dora.js";

const Time = z.iso.datetime({ offset: true });

const IncidentFileSchema = z.array(
  z.object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    openedAt: Time,
    resolvedAt: Time.nullish(),
    deployment: z.string().regex(/^[0-9a-f]{4,64}$/i, "a deploy commit SHA (or a prefix of at least 4 hex digits)").nullish(),
    rootCause: z.string().regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/, "a full lowercase source commit SHA (fourkeys compares it for equality)").nullish(),
  }),
);

/** Parses an incidents file (`[{id, openedAt, resolvedAt, deployment?, rootCause?}]`); any problem is an InputError naming the file. */
export function parseIncidents(text: string, file: string): Incident[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = IncidentFileSchema.safeParse(data);
  if (!parsed.success) throw new InputError(`${file} is not a list of incidents {id, openedAt, resolvedAt, deployment?, rootCause?}: ${z.prettifyError(parsed.error)}`);
  return parsed.data.map((i) => {
    const openedAt = Date.parse(i.openedAt);
    const resolvedAt = i.resolvedAt ? Date.parse(i.resolvedAt) : undefined;
    if (resolvedAt !== undefined && resolvedAt < openedAt) throw new InputError(`${file}: incident ${i.id} is resolved before it opened`);
    return { id: i.id, openedAt, ...(resolvedAt === undefined ? {} : { resolvedAt }), ...(i.deployment ? { deployment: i.deployment } : {}), ...(i.rootCause ? { rootCause: i.rootCause } : {}) };
  });
}
