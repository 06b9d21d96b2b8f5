import type { DomainEvent } from "@blessed-horizon/contracts";
import { processOnce, type Database, type EventConsumer } from "@blessed-horizon/service-kit";
import { createAssessment, type AssessDeps } from "../db/assessments.js";
import { recordOutcome } from "../db/outcomes.js";

export const CONSUMER = "trust-service";

/**
 * Applies one event once: donation outcomes settle velocity counters;
 * a published campaign that nobody assessed before publishing gets assessed now.
 */
export async function handleEvent(deps: AssessDeps & { db: Database }, event: DomainEvent): Promise<boolean> {
  // One statement records the outcome and the event's inbox row (one round trip per donation event instead of four).
  const once = { consumer: CONSUMER, eventId: event.eventId };
  if (event.type === "donation.succeeded") return recordOutcome(deps.db, "succeeded", event.data, event.occurredAt, once);
  if (event.type === "donation.failed") return recordOutcome(deps.db, "failed", event.data, event.occurredAt, once);
  return processOnce(deps.db, CONSUMER, event, async (tx) => {
    switch (event.type) {
      case "campaign.published": {
        const { rows } = await tx.query("SELECT 1 FROM trust_assessments WHERE kind = 'campaign' AND subject_id = $1 LIMIT 1", [event.data.campaignId]);
        if (rows.length > 0) return;
        await createAssessment({ ...deps, db: { query: (sql, params) => tx.query(sql, params), transaction: (fn) => fn(tx) } }, {
          kind: "campaign",
          campaignId: event.data.campaignId,
          organizerId: event.data.organizerId,
          title: event.data.title,
          goal: event.data.goal,
        });
        return;
      }
      default:
        return;
    }
  });
}

/** Donation outcomes and published campaigns; resolves true when it wrote `trust.decision` (a campaign assessed now). */
export function trustSignalsConsumer(deps: AssessDeps & { db: Database }): EventConsumer<"donation.succeeded" | "donation.failed" | "campaign.published"> {
  return {
    consumer: CONSUMER,
    types: ["donation.succeeded", "donation.failed", "campaign.published"],
    handle: async (event) => (await handleEvent(deps, event)) && event.type === "campaign.published",
  };
}
