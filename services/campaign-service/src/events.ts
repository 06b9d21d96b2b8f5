import { createEvent, type DomainEvent, type EventType } from "@blessed-horizon/contracts";
import { processOnce, startOutboxRelay, subscribeDomainEvents, writeOutbox, type Database, type EventBus, type Queryable } from "@blessed-horizon/service-kit";
import type { FastifyInstance } from "fastify";
import type { CampaignChange, ChangeRecorder } from "./campaigns.js";
import { suspendInTransaction } from "./campaigns.js";
import { adjustTotals } from "./db/campaigns.js";
import type { CampaignAction } from "./domain/campaign.js";

export const TOTALS_CONSUMER = "campaign-service.totals";
export const TRUST_CONSUMER = "campaign-service.trust";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which lifecycle action announces what: publish goes to trust (assessment) and the world; approve is trust's own doing; resume has no event. */
const ACTION_EVENTS: Partial<Record<CampaignAction, "campaign.published" | "campaign.paused" | "campaign.ended" | "campaign.suspended" | "campaign.reinstated">> = {
  publish: "campaign.published",
  pause: "campaign.paused",
  end: "campaign.ended",
  suspend: "campaign.suspended",
  reinstate: "campaign.reinstated",
};

/** The event of a campaign change, if it has one. */
export function campaignEvent(change: CampaignChange): DomainEvent | undefined {
  if (change.kind !== "transitioned") return undefined;
  const type = ACTION_EVENTS[change.action];
  const { id: campaignId, organizerId, title, goal } = change.campaign;
  if (type === undefined) return undefined;
  if (type === "campaign.published") return createEvent(type, { campaignId, organizerId, title, goal });
  return createEvent(type, { campaignId, organizerId });
}

/** The ChangeRecorder that writes lifecycle events to the outbox, in the change's transaction. */
export const recordCampaignEvents: ChangeRecorder = async (tx, change) => {
  const event = campaignEvent(change);
  if (event) await writeOutbox(tx, event);
};

/**
 * Applies a donation event to the campaign's totals once (inbox), and sends
 * campaign.goal_reached in the same transaction the first time the raised
 * total reaches the goal. Resolves false when the event was applied before.
 */
export async function applyDonationEvent(db: Database, event: DomainEvent<"donation.succeeded" | "donation.refunded">): Promise<boolean> {
  return processOnce(db, TOTALS_CONSUMER, event, async (tx) => {
    const { campaignId, amount } = event.data;
    const fullyRefunded = event.type === "donation.refunded" && event.data.totalRefunded.amount >= event.data.captured.amount;
    const delta = event.type === "donation.succeeded" ? amount.amount : -amount.amount;
    const countDelta = event.type === "donation.succeeded" ? 1 : fullyRefunded ? -1 : 0;
    // An unknown campaign changes nothing; its id is still recorded, so it is not retried forever.
    if (!UUID.test(campaignId)) return;
    if (!(await adjustTotals(tx, campaignId, delta, countDelta, new Date()))) return;
    if (event.type === "donation.succeeded") await announceGoalReached(tx, campaignId);
  });
}

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
    if (UUID.test(subjectId)) changed = (await suspendInTransaction(tx, subjectId, recordChange, new Date())) !== undefined;
  });
  return changed;
}

async function announceGoalReached(tx: Queryable, campaignId: string): Promise<void> {
  const { rows } = await tx.query<{ organizer_id: string; title: string; goal_amount: number; goal_currency: string; raised_amount: number }>(
    `update campaign_totals t set goal_reached_at = now()
       from campaigns c
      where t.campaign_id = $1 and c.id = t.campaign_id and t.goal_reached_at is null and t.raised_amount >= c.goal_amount
      returning c.organizer_id, c.title, c.goal_amount, c.goal_currency, t.raised_amount`,
    [campaignId],
  );
  const row = rows[0];
  if (!row) return;
  const currency = row.goal_currency.trim();
  await writeOutbox(tx, createEvent("campaign.goal_reached", {
    campaignId, organizerId: row.organizer_id, title: row.title,
    goal: { amount: Number(row.goal_amount), currency }, raised: { amount: Number(row.raised_amount), currency },
  }));
}

/**
 * With a bus: relays the outbox, keeps totals from donation events and
 * suspends campaigns trust blocks; all stop when the app closes. An event that
 * breaks its contract is logged and skipped (redelivering it cannot fix it);
 * any other failure is retried by the bus.
 */
export function startCampaignEvents(
  app: FastifyInstance,
  deps: { db: Database; bus: EventBus | undefined; pollMs?: number; onApplied?: () => void },
): void {
  const { db, bus } = deps;
  if (!bus) return;
  const relay = startOutboxRelay(db, bus, { intervalMs: deps.pollMs ?? 100, onError: (err) => app.log.warn({ err }, "outbox relay failed; retrying") });
  const subscriptions: Array<{ unsubscribe(): Promise<void> }> = [];
  const consume = <T extends EventType>(consumer: string, types: T[], apply: (event: DomainEvent<T>) => Promise<boolean>) =>
    subscribeDomainEvents(bus, {
      consumer,
      types,
      log: app.log,
      handle: async (event) => {
        if (await apply(event)) {
          relay.poke();
          // A suspension must not linger in a cached list page.
          deps.onApplied?.();
        }
      },
    });
  app.addHook("onReady", async () => {
    subscriptions.push(await consume(TOTALS_CONSUMER, ["donation.succeeded", "donation.refunded"], (e) => applyDonationEvent(db, e)));
    subscriptions.push(await consume(TRUST_CONSUMER, ["trust.decision"], (e) => applyTrustDecision(db, e)));
  });
  app.addHook("onClose", async () => {
    for (const subscription of subscriptions) await subscription.unsubscribe();
    await relay.stop();
  });
}
