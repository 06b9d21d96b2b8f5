import { randomUUID } from "node:crypto";
import type { AuthUser, Database, Queryable } from "@blessed-horizon/service-kit";
import { ConflictError, ForbiddenError, NotFoundError, writeOutbox } from "@blessed-horizon/service-kit";
import { findCampaign, insertCampaign, saveCampaign } from "../db/campaigns.js";
import type { Campaign, CampaignAction, CampaignEdit, StoredCampaign } from "../domain/campaign.js";
import { ACTION_ACTOR, canView, editRefusal, isOwner, isTrust, transition } from "../domain/campaign.js";
import { campaignEvent, type CampaignChange } from "../domain/events.js";

/** Called inside the transaction of every change; a throw rolls the change back. */
export type ChangeRecorder = (tx: Queryable, change: CampaignChange) => Promise<void>;

/** The ChangeRecorder that writes lifecycle events to the outbox, in the change's transaction. */
export const recordCampaignEvents: ChangeRecorder = async (tx, change) => {
  const event = campaignEvent(change);
  if (event) await writeOutbox(tx, event);
};

export interface NewCampaign {
  title: string;
  story: string;
  beneficiary: string;
  goal: Campaign["goal"];
}

export class IllegalTransitionError extends ConflictError {
  override name = "IllegalTransitionError";
  constructor(detail: string) {
    super(detail, { code: "BH_ILLEGAL_TRANSITION" });
  }
}

/** Campaign operations: each change is one transaction, checked against the lifecycle and the caller. */
export class CampaignService {
  constructor(
    private readonly db: Database,
    private readonly record: ChangeRecorder = () => Promise.resolve(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(organizer: AuthUser, input: NewCampaign): Promise<Campaign> {
    const at = this.now();
    const campaign: StoredCampaign = {
      id: randomUUID(),
      organizerId: organizer.sub,
      ...input,
      status: "draft",
      suspendedFrom: null,
      createdAt: at,
      updatedAt: at,
    };
    await this.db.transaction(async (tx) => {
      await insertCampaign(tx, campaign);
      await this.record(tx, { kind: "created", campaign: publicView(campaign) });
    });
    return publicView(campaign);
  }

  /** The campaign if `user` may see it; a hidden one is "not found", not "forbidden". */
  async get(user: AuthUser | undefined, id: string): Promise<Campaign> {
    const campaign = await findCampaign(this.db, id);
    if (campaign === undefined || !canView(user, campaign)) throw notFound(id);
    return publicView(campaign);
  }

  async edit(user: AuthUser, id: string, edit: CampaignEdit): Promise<Campaign> {
    return this.db.transaction(async (tx) => {
      const campaign = await this.lockVisible(tx, user, id);
      if (!isOwner(user, campaign)) throw new ForbiddenError("only the campaign's organizer can edit it");
      const refusal = editRefusal(campaign, edit);
      if (refusal !== undefined) throw new ConflictError(refusal, { code: "BH_NOT_EDITABLE" });
      const next: StoredCampaign = { ...campaign, ...definedFields(edit), updatedAt: this.now() };
      await saveCampaign(tx, next);
      await this.record(tx, { kind: "edited", campaign: publicView(next) });
      return publicView(next);
    });
  }

  async act(user: AuthUser, id: string, action: CampaignAction): Promise<Campaign> {
    return this.db.transaction(async (tx) => {
      const campaign = await this.lockVisible(tx, user, id);
      const allowed = ACTION_ACTOR[action] === "owner" ? isOwner(user, campaign) : isTrust(user);
      if (!allowed) {
        throw new ForbiddenError(
          ACTION_ACTOR[action] === "owner" ? `only the campaign's organizer can ${action} it` : `only the trust team can ${action} a campaign`,
        );
      }
      const result = transition(campaign, action);
      if (!result.ok) throw new IllegalTransitionError(result.reason);
      return saveTransition(tx, this.record, campaign, action, result, this.now());
    });
  }

  private async lockVisible(tx: Queryable, user: AuthUser, id: string): Promise<StoredCampaign> {
    const campaign = await findCampaign(tx, id, { forUpdate: true });
    if (campaign === undefined || !canView(user, campaign)) throw notFound(id);
    return campaign;
  }
}

/**
 * The trust team's suspend, inside the caller's transaction (a trust "block"
 * decision). Resolves undefined, changing nothing, when the campaign is
 * unknown or its status cannot be suspended (draft, ended, already suspended).
 */
export async function suspendInTransaction(tx: Queryable, id: string, record: ChangeRecorder, at: Date): Promise<Campaign | undefined> {
  const campaign = await findCampaign(tx, id, { forUpdate: true });
  if (campaign === undefined) return undefined;
  const result = transition(campaign, "suspend");
  return result.ok ? saveTransition(tx, record, campaign, "suspend", result, at) : undefined;
}

async function saveTransition(
  tx: Queryable, record: ChangeRecorder, campaign: StoredCampaign, action: CampaignAction,
  result: { status: StoredCampaign["status"]; suspendedFrom: StoredCampaign["suspendedFrom"] }, at: Date,
): Promise<Campaign> {
  const next: StoredCampaign = { ...campaign, status: result.status, suspendedFrom: result.suspendedFrom, updatedAt: at };
  await saveCampaign(tx, next);
  await record(tx, { kind: "transitioned", action, from: campaign.status, campaign: publicView(next) });
  return publicView(next);
}

export function notFound(id: string): NotFoundError {
  return new NotFoundError(`campaign ${id} does not exist`);
}

/** The campaign as clients see it (without internal bookkeeping). */
export function publicView(campaign: StoredCampaign): Campaign {
  const { suspendedFrom: _internal, ...visible } = campaign;
  return visible;
}

function definedFields(edit: CampaignEdit): Partial<Campaign> {
  return Object.fromEntries(Object.entries(edit).filter(([, value]) => value !== undefined));
}
