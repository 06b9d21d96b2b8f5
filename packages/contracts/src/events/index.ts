import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { EventEnvelopeSchema, type EventEnvelope } from "../envelope.js";
import { CampaignGoalReachedSchema, CampaignPublishedSchema, CampaignStatusChangedSchema } from "./campaign.js";
import { DonationFailedSchema, DonationRefundedSchema, DonationSucceededSchema } from "./donation.js";
import { NotificationDeadLetteredSchema, NotificationDeliveredSchema, NotificationFailedSchema } from "./notification.js";
import { TrustDecisionSchema } from "./trust.js";

export * from "./campaign.js";
export * from "./donation.js";
export * from "./notification.js";
export * from "./trust.js";

/** Every event type of the platform and the schema of its `data`. */
export const EventDataSchemas = {
  "campaign.published": CampaignPublishedSchema,
  "campaign.paused": CampaignStatusChangedSchema,
  "campaign.ended": CampaignStatusChangedSchema,
  "campaign.suspended": CampaignStatusChangedSchema,
  "campaign.reinstated": CampaignStatusChangedSchema,
  "campaign.goal_reached": CampaignGoalReachedSchema,
  "donation.succeeded": DonationSucceededSchema,
  "donation.failed": DonationFailedSchema,
  "donation.refunded": DonationRefundedSchema,
  "trust.decision": TrustDecisionSchema,
  "notification.delivered": NotificationDeliveredSchema,
  "notification.failed": NotificationFailedSchema,
  "notification.dead_lettered": NotificationDeadLetteredSchema,
} as const;

export type EventType = keyof typeof EventDataSchemas;
export type EventData<T extends EventType> = z.infer<(typeof EventDataSchemas)[T]>;
/** A typed platform event: `DomainEvent<"donation.succeeded">["data"]` is `DonationSucceeded`. */
export type DomainEvent<T extends EventType = EventType> = { [K in T]: EventEnvelope<EventData<K>> & { type: K } }[T];

export const EVENT_TYPES = Object.keys(EventDataSchemas) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EventDataSchemas, type);
}

export class UnknownEventTypeError extends Error {
  override readonly name = "UnknownEventTypeError";
  constructor(readonly type: string) {
    super(`unknown event type '${type}'; known: ${EVENT_TYPES.join(", ")}`);
  }
}

export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
  constructor(readonly type: string, cause: z.ZodError) {
    super(`invalid '${type}' event: ${cause.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`, { cause });
  }
}

/** Builds a valid event with a fresh id and timestamp; throws InvalidEventError if `data` does not match its schema. */
export function createEvent<T extends EventType>(type: T, data: EventData<T>, now: Date = new Date()): DomainEvent<T> {
  return parseEvent({ eventId: randomUUID(), type, occurredAt: now.toISOString(), data }) as DomainEvent<T>;
}

/** Validates an envelope and its `data` against the schema of its type (unknown fields in `data` are dropped). */
export function parseEvent(input: unknown): DomainEvent {
  const envelope = EventEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    const type = (input as { type?: unknown } | null)?.type;
    throw new InvalidEventError(typeof type === "string" ? type : "?", envelope.error);
  }
  const { type } = envelope.data;
  if (!isEventType(type)) throw new UnknownEventTypeError(type);
  const data = EventDataSchemas[type].safeParse(envelope.data.data);
  if (!data.success) throw new InvalidEventError(type, data.error);
  return { ...envelope.data, type, data: data.data } as DomainEvent;
}
