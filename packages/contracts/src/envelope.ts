import { z } from "zod";

/**
 * The envelope every event travels in. `eventId` is what consumers dedupe on
 * (delivery is at-least-once); `type` names the schema of `data`.
 */
export const EventEnvelopeSchema = z.object({
  eventId: z.uuid(),
  type: z.string().regex(/^[a-z]+(\.[a-z_]+)+$/, "must look like 'donation.succeeded'"),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});
export type EventEnvelope<T = Record<string, unknown>> = Omit<z.infer<typeof EventEnvelopeSchema>, "data"> & { data: T };
