import type { Money } from "@blessed-horizon/contracts";
import type { AuthUser } from "@blessed-horizon/service-kit";

export const CAMPAIGN_STATUSES = ["draft", "pending_review", "active", "paused", "ended", "suspended"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Statuses anyone may see; the others only the organizer, trust and admin. */
export const PUBLIC_STATUSES: readonly CampaignStatus[] = ["active", "paused", "ended"];

export interface Campaign {
  id: string;
  organizerId: string;
  title: string;
  story: string;
  beneficiary: string;
  goal: Money;
  status: CampaignStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** A campaign as stored: plus the status a suspension interrupted. */
export interface StoredCampaign extends Campaign {
  suspendedFrom: CampaignStatus | null;
}

export const ACTIONS = ["publish", "approve", "pause", "resume", "end", "suspend", "reinstate"] as const;
export type CampaignAction = (typeof ACTIONS)[number];

/** Who may take an action: the campaign's organizer, or the trust team. Admin may do both. */
export const ACTION_ACTOR: Readonly<Record<CampaignAction, "owner" | "trust">> = {
  publish: "owner",
  approve: "trust",
  pause: "owner",
  resume: "owner",
  end: "owner",
  suspend: "trust",
  reinstate: "trust",
};

const TRANSITIONS: Readonly<Record<Exclude<CampaignAction, "reinstate">, { from: readonly CampaignStatus[]; to: CampaignStatus }>> = {
  publish: { from: ["draft"], to: "pending_review" },
  approve: { from: ["pending_review"], to: "active" },
  pause: { from: ["active"], to: "paused" },
  resume: { from: ["paused"], to: "active" },
  end: { from: ["active", "paused"], to: "ended" },
  suspend: { from: ["pending_review", "active", "paused"], to: "suspended" },
};

export type TransitionResult =
  | { ok: true; status: CampaignStatus; suspendedFrom: CampaignStatus | null }
  | { ok: false; reason: string };

/** The lifecycle, as a pure function: where `action` takes a campaign, or why it cannot. */
export function transition(campaign: Pick<StoredCampaign, "status" | "suspendedFrom">, action: CampaignAction): TransitionResult {
  if (action === "reinstate") {
    if (campaign.status !== "suspended") return { ok: false, reason: `only a suspended campaign can be reinstated; this one is ${campaign.status}` };
    return { ok: true, status: campaign.suspendedFrom ?? "paused", suspendedFrom: null };
  }
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(campaign.status)) {
    return { ok: false, reason: `cannot ${action} a campaign that is ${campaign.status} (allowed from ${rule.from.join(", ")})` };
  }
  return { ok: true, status: rule.to, suspendedFrom: action === "suspend" ? campaign.status : null };
}

export function isOwner(user: AuthUser | undefined, campaign: Pick<Campaign, "organizerId">): boolean {
  return user !== undefined && (user.sub === campaign.organizerId || user.roles.includes("admin"));
}

export function isTrust(user: AuthUser | undefined): boolean {
  return user !== undefined && (user.roles.includes("trust") || user.roles.includes("admin"));
}

/** May `user` see this campaign? Public statuses: anyone; others: its organizer, trust, admin. */
export function canView(user: AuthUser | undefined, campaign: Pick<Campaign, "organizerId" | "status">): boolean {
  return PUBLIC_STATUSES.includes(campaign.status) || isOwner(user, campaign) || isTrust(user);
}

/** Statuses in which the organizer may still edit; the currency only while a draft. */
export const EDITABLE_STATUSES: readonly CampaignStatus[] = ["draft", "pending_review", "active", "paused"];

export interface CampaignEdit {
  title?: string | undefined;
  story?: string | undefined;
  beneficiary?: string | undefined;
  goal?: Money | undefined;
}

/** Why an edit is not allowed now, or undefined when it is. */
export function editRefusal(campaign: Pick<Campaign, "status" | "goal">, edit: CampaignEdit): string | undefined {
  if (!EDITABLE_STATUSES.includes(campaign.status)) return `a campaign that is ${campaign.status} cannot be edited`;
  if (edit.goal !== undefined && edit.goal.currency !== campaign.goal.currency && campaign.status !== "draft") {
    return "the goal's currency can only change while the campaign is a draft";
  }
  return undefined;
}

/**
 * Share of the goal raised, in percent with two decimals, rounded down. BigInt
 * math: `raised * 10000` passes 2^53 for totals above about 900 billion minor
 * units, where a float product would round (99.99% of a huge goal read as 100%).
 */
export function percentOfGoal(raised: number, goal: number): number {
  if (goal <= 0) return 0;
  return Number((BigInt(raised) * 10_000n) / BigInt(goal)) / 100;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an id can name a campaign at all (ids are UUIDs): anything else is "not found" without asking the database. */
export function isCampaignId(id: string): boolean {
  return UUID.test(id);
}
