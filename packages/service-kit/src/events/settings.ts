import { z } from "zod";
import { ConfigError } from "../config/config.js";

// NATS names: a stream or consumer name may not hold whitespace, `.`, `*`, `>` or path separators;
// a subject prefix is dot-separated tokens without whitespace or wildcards.
const NAME = /^[^\s.*>/\\]+$/;
const SUBJECT_PREFIX = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

/**
 * Where a service's events live on NATS. Environments that share a NATS
 * server each set their own (deploy/environments/<env>/kustomization.yaml):
 * a durable consumer is named within its stream, so two environments on one
 * stream would share every consumer, and JetStream refuses two streams on
 * overlapping subjects. Unset, a single local environment's defaults.
 */
export const natsSettingsSchema = z.object({
  /** The JetStream stream holding every event of this environment. */
  NATS_STREAM: z.string().regex(NAME, "must be a NATS stream name (no whitespace, '.', '*', '>', '/' or '\\')").default("BLESSED_HORIZON"),
  /** Subjects are `<prefix>.<event type>`; the stream listens on `<prefix>.>`. */
  NATS_SUBJECT_PREFIX: z.string().regex(SUBJECT_PREFIX, "must be dot-separated NATS subject tokens without wildcards").default("events"),
  /** Put before every durable consumer name, e.g. production -> production_campaign-service_totals. */
  NATS_DURABLE_PREFIX: z.string().regex(NAME, "must be a NATS consumer name (no whitespace, '.', '*', '>', '/' or '\\')").optional(),
});

export interface NatsSettings {
  stream: string;
  subjectPrefix: string;
  durablePrefix?: string;
}

/** Reads the NATS settings from environment variables (empty counts as unset); throws ConfigError naming each bad one. */
export function readNatsSettings(env: Record<string, string | undefined>): NatsSettings {
  const input = Object.fromEntries(Object.keys(natsSettingsSchema.shape).flatMap((k) => (env[k] ? [[k, env[k].trim()]] : [])));
  const result = natsSettingsSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => ({ variable: i.path.map(String).join("."), text: `${i.path.map(String).join(".")}: ${i.message}` }));
    throw new ConfigError(`invalid configuration: ${problems.map((p) => p.text).join("; ")}`, problems.map((p) => p.variable), { cause: result.error });
  }
  const { NATS_STREAM, NATS_SUBJECT_PREFIX, NATS_DURABLE_PREFIX } = result.data;
  return { stream: NATS_STREAM, subjectPrefix: NATS_SUBJECT_PREFIX, ...(NATS_DURABLE_PREFIX ? { durablePrefix: NATS_DURABLE_PREFIX } : {}) };
}
