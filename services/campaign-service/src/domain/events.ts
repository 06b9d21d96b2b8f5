import { createEvent, type DomainEvent } from "@blessed-horizon/contracts";
import type { Campaign, CampaignAction } from "./campaign.js";

/** What changed, for whoever records it in the same transaction (e.g. the events outbox). */
export type CampaignChange =
  | { kind: "created"; campaign: Campaign }
  | { kind: "edited"; campaign: Campaign }
  | { kind: "transitioned"; action: CampaignAction; from: Campaign["status"]; campaign: Campaign };

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
