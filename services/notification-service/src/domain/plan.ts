import { formatMoney, type DomainEvent } from "@blessed-horizon/contracts";
import type { TemplateName } from "./templates.js";

/** What a recipient can tune; receipts are mandatory (a donor always gets proof of a payment or refund). */
export const CATEGORIES = ["receipt", "organizer_notice", "goal_reached", "campaign_suspended"] as const;
export type Category = (typeof CATEGORIES)[number];

export const CONSUMED_EVENTS = ["donation.succeeded", "donation.refunded", "campaign.goal_reached", "campaign.suspended"] as const;

/** One message to one recipient, before channels are chosen. */
export interface Intent {
  recipientId: string;
  /** An address the event itself names (a donor's email); the recipient's preferences may hold another. */
  email: string | null;
  category: Category;
  template: TemplateName;
  vars: Record<string, string>;
}

/** A donor is known by account id, a guest by email address. */
export function donorRecipient(data: { donorId?: string | undefined; email?: string | undefined }): string | null {
  return data.donorId ?? data.email?.toLowerCase() ?? null;
}

/** Who is told what about an event. Pure: the same event always plans the same messages. */
export function planNotifications(event: DomainEvent): Intent[] {
  switch (event.type) {
    case "donation.succeeded": {
      const d = event.data;
      const vars = { amount: formatMoney(d.amount), campaignId: d.campaignId, donationId: d.donationId };
      return [
        ...donorIntent(d, "donation_receipt", vars),
        ...organizerIntent(d.organizerId, "organizer_notice", "donation_received", vars),
      ];
    }
    case "donation.refunded": {
      const d = event.data;
      const vars = { amount: formatMoney(d.amount), campaignId: d.campaignId, donationId: d.donationId };
      return [
        ...donorIntent(d, "refund_receipt", vars),
        ...organizerIntent(d.organizerId, "organizer_notice", "donation_refunded", vars),
      ];
    }
    case "campaign.goal_reached": {
      const d = event.data;
      const vars = { title: d.title ?? d.campaignId, campaignId: d.campaignId, goal: formatMoney(d.goal), raised: formatMoney(d.raised) };
      return organizerIntent(d.organizerId, "goal_reached", "goal_reached", vars);
    }
    case "campaign.suspended": {
      const d = event.data;
      return organizerIntent(d.organizerId, "campaign_suspended", "campaign_suspended", { campaignId: d.campaignId, reason: d.reason ?? "-" });
    }
    default:
      return [];
  }
}

function donorIntent(d: { donorId?: string | undefined; email?: string | undefined }, template: TemplateName, vars: Record<string, string>): Intent[] {
  const recipientId = donorRecipient(d);
  return recipientId === null ? [] : [{ recipientId, email: d.email?.toLowerCase() ?? null, category: "receipt", template, vars }];
}

function organizerIntent(organizerId: string | undefined, category: Category, template: TemplateName, vars: Record<string, string>): Intent[] {
  return organizerId === undefined ? [] : [{ recipientId: organizerId, email: null, category, template, vars }];
}
