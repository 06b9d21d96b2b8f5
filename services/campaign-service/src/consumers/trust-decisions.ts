import type { DomainEvent } from "@blessed-horizon/contracts";
import { processOnce, type Database, type EventConsumer } from "@blessed-horizon/service-kit";
import { isCampaignId } from "../domain/campaign.js";
import { recordCampaignEvents, suspendInTransaction, type ChangeRecorder } from "../service/campaigns.js";

export const TRUST_CONSUMER = "campaign-service.trust";

/**
 * Suspends the campaign of a trust "block" decision once (inbox), as the trust
 * team's suspend would, with campaign.suspended in the outbox. A campaign that
 * is unknown or cannot be suspended changes nothing; its event id is still
 * recorded. Other decisions are ignored. Resolves true when something changed.
 */
export async function applyTrustDecision(db: Database, event: DomainEvent<"trust.decision">, recordChange: ChangeRecorder = recordCampaignEvents): Promise<boolean> {
  const { kind, decision, subjectId } = event.data;
  if (kind !== "campaign" || decision !== "block") return false;
  let changed = false;
  await processOnce(db, TRUST_CONSUMER, event, async (tx) => {
    if (isCampaignId(subjectId)) changed = (await suspendInTransaction(tx, subjectId, recordChange, new Date())) !== undefined;
  });
  return changed;
}

/** Suspends campaigns trust blocks; `onApplied` hears of each (a suspension must not linger in a cached list page). */
export function trustDecisionConsumer(db: Database, onApplied: () => void): EventConsumer<"trust.decision"> {
  return {
    consumer: TRUST_CONSUMER,
    types: ["trust.decision"],
    handle: async (event) => {
      const changed = await applyTrustDecision(db, event);
      if (changed) onApplied();
      return changed;
    },
  };
}
