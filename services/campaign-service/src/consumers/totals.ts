import { createEvent, type DomainEvent } from "@blessed-horizon/contracts";
import { processOnce, writeOutbox, type Database, type EventConsumer } from "@blessed-horizon/service-kit";
import { adjustTotals, adjustTotalsOnce, markGoalReached } from "../db/campaigns.js";
import { isCampaignId } from "../domain/campaign.js";

export const TOTALS_CONSUMER = "campaign-service.totals";

type DonationEvent = DomainEvent<"donation.succeeded" | "donation.refunded">;

/**
 * Applies a donation event to the campaign's totals once (inbox), and sends
 * campaign.goal_reached in the same transaction the first time the raised
 * total reaches the goal. Resolves "goal_reached" when it wrote that event,
 * true when it moved the totals only, false when the event was applied before.
 */
export async function applyDonationEvent(db: Database, event: DonationEvent): Promise<boolean | "goal_reached"> {
  const { campaignId, amount } = event.data;
  const fullyRefunded = event.type === "donation.refunded" && event.data.totalRefunded.amount >= event.data.captured.amount;
  const delta = event.type === "donation.succeeded" ? amount.amount : -amount.amount;
  const countDelta = event.type === "donation.succeeded" ? 1 : fullyRefunded ? -1 : 0;
  const at = new Date();
  if (isCampaignId(campaignId)) {
    // Most events move the totals and nothing else: one statement with the inbox row (one round trip instead of five).
    const change = { campaignId, amountDelta: delta, countDelta, at, mayReachGoal: event.type === "donation.succeeded" };
    const outcome = await adjustTotalsOnce(db, { consumer: TOTALS_CONSUMER, eventId: event.eventId }, change);
    if (outcome !== "not_applied") return outcome === "applied";
  }
  let wrote = false;
  const applied = await processOnce(db, TOTALS_CONSUMER, event, async (tx) => {
    // An unknown campaign changes nothing; its id is still recorded, so it is not retried forever.
    if (!isCampaignId(campaignId)) return;
    if (!(await adjustTotals(tx, campaignId, delta, countDelta, at))) return;
    if (event.type !== "donation.succeeded") return;
    const reached = await markGoalReached(tx, campaignId);
    if (reached) {
      await writeOutbox(tx, createEvent("campaign.goal_reached", { campaignId, ...reached }));
      wrote = true;
    }
  });
  return applied && wrote ? "goal_reached" : applied;
}

/**
 * Keeps totals from donation events; `onApplied` hears of each change (the list cache forgets its pages). Resolves
 * true only when it wrote to the outbox (the kit's relay polls on each true): most events move the totals only.
 */
export function totalsConsumer(db: Database, onApplied: () => void): EventConsumer<DonationEvent["type"]> {
  return {
    consumer: TOTALS_CONSUMER,
    types: ["donation.succeeded", "donation.refunded"],
    handle: async (event) => {
      const applied = await applyDonationEvent(db, event);
      if (applied) onApplied();
      return applied === "goal_reached";
    },
  };
}
