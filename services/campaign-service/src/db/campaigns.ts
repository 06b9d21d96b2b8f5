import { exactMinorUnits } from "@blessed-horizon/contracts";
import { AppError, type Queryable } from "@blessed-horizon/service-kit";
import type { CampaignStatus, StoredCampaign } from "../domain/campaign.js";
import type { Cursor } from "../domain/cursor.js";

interface CampaignRow {
  id: string;
  organizer_id: string;
  title: string;
  story: string;
  beneficiary: string;
  goal_amount: number;
  goal_currency: string;
  status: CampaignStatus;
  suspended_from: CampaignStatus | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  "id, organizer_id, title, story, beneficiary, goal_amount, goal_currency, status, suspended_from, created_at, updated_at";

function fromRow(row: CampaignRow): StoredCampaign {
  return {
    id: row.id,
    organizerId: row.organizer_id,
    title: row.title,
    story: row.story,
    beneficiary: row.beneficiary,
    goal: { amount: Number(row.goal_amount), currency: row.goal_currency },
    status: row.status,
    suspendedFrom: row.suspended_from,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Inserts a campaign and its zero totals (call inside a transaction). */
export async function insertCampaign(tx: Queryable, campaign: StoredCampaign): Promise<void> {
  await tx.query(
    `insert into campaigns (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      campaign.id,
      campaign.organizerId,
      campaign.title,
      campaign.story,
      campaign.beneficiary,
      campaign.goal.amount,
      campaign.goal.currency,
      campaign.status,
      campaign.suspendedFrom,
      campaign.createdAt,
      campaign.updatedAt,
    ],
  );
  await tx.query(
    "insert into campaign_totals (campaign_id, currency, raised_amount, donation_count, updated_at) values ($1, $2, 0, 0, $3)",
    [campaign.id, campaign.goal.currency, campaign.createdAt],
  );
}

/** The campaign, or undefined. `forUpdate` locks the row until the transaction ends. */
export async function findCampaign(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredCampaign | undefined> {
  const { rows } = await db.query<CampaignRow>(
    `select ${COLUMNS} from campaigns where id = $1${options.forUpdate === true ? " for update" : ""}`,
    [id],
  );
  return rows[0] === undefined ? undefined : fromRow(rows[0]);
}

/** Writes every mutable field of `campaign` (call inside a transaction, after `findCampaign(..., { forUpdate })`). */
export async function saveCampaign(tx: Queryable, campaign: StoredCampaign): Promise<void> {
  await tx.query(
    `update campaigns set title = $2, story = $3, beneficiary = $4, goal_amount = $5, goal_currency = $6,
            status = $7, suspended_from = $8, updated_at = $9
      where id = $1`,
    [
      campaign.id,
      campaign.title,
      campaign.story,
      campaign.beneficiary,
      campaign.goal.amount,
      campaign.goal.currency,
      campaign.status,
      campaign.suspendedFrom,
      campaign.updatedAt,
    ],
  );
}

export interface ListQuery {
  statuses: readonly CampaignStatus[] | undefined;
  organizerId: string | undefined;
  after: Cursor | undefined;
  limit: number;
}

/** Newest first, keyset-paginated; returns up to `limit` rows. */
export async function listCampaigns(db: Queryable, query: ListQuery): Promise<StoredCampaign[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.statuses !== undefined) {
    params.push(query.statuses);
    where.push(`status = any($${params.length}::text[])`);
  }
  if (query.organizerId !== undefined) {
    params.push(query.organizerId);
    where.push(`organizer_id = $${params.length}`);
  }
  if (query.after !== undefined) {
    params.push(query.after.createdAt, query.after.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(query.limit);
  const { rows } = await db.query<CampaignRow>(
    `select ${COLUMNS} from campaigns ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
      order by created_at desc, id desc limit $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}

export interface Totals {
  currency: string;
  raisedAmount: number;
  donationCount: number;
}

/**
 * A campaign's totals, read as text so nothing is rounded: a total past
 * Number.MAX_SAFE_INTEGER (only possible by editing the database, as
 * adjustTotals never writes one) is a 500 BH_SUM_NOT_EXACT, not a wrong number.
 */
export async function findTotals(db: Queryable, campaignId: string): Promise<Totals | undefined> {
  const { rows } = await db.query<{ currency: string; raised_amount: string; donation_count: string }>(
    "select currency, raised_amount::text as raised_amount, donation_count::text as donation_count from campaign_totals where campaign_id = $1",
    [campaignId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const raisedAmount = exactMinorUnits(row.raised_amount);
  const donationCount = exactMinorUnits(row.donation_count);
  if (raisedAmount === undefined || donationCount === undefined) {
    throw new AppError(500, "BH_SUM_NOT_EXACT", "Internal Server Error", `the totals of campaign ${campaignId} are past ${Number.MAX_SAFE_INTEGER} and cannot be returned exactly`);
  }
  return { currency: row.currency, raisedAmount, donationCount };
}

/**
 * Adds to a campaign's totals (negative for refunds). For the donation event
 * consumers; call inside their processOnce transaction. False if no such
 * campaign, or if the total raised would pass Number.MAX_SAFE_INTEGER (then
 * nothing changes: payment-service refuses such donations, so only a
 * forged or replayed-from-elsewhere event gets here, and the API must keep
 * returning the total exactly).
 */
export async function adjustTotals(tx: Queryable, campaignId: string, amountDelta: number, countDelta: number, at: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update campaign_totals set raised_amount = greatest(raised_amount + $2, 0),
            donation_count = greatest(donation_count + $3, 0), updated_at = $4
      where campaign_id = $1 and raised_amount + $2 <= $5`,
    [campaignId, amountDelta, countDelta, at, Number.MAX_SAFE_INTEGER],
  );
  return rowCount === 1;
}

export interface GoalReached {
  organizerId: string;
  title: string;
  goal: { amount: number; currency: string };
  raised: { amount: number; currency: string };
}

/**
 * Marks the campaign's goal reached the first time its raised total reaches
 * the goal; undefined when it is short of it or was marked before.
 */
export async function markGoalReached(tx: Queryable, campaignId: string): Promise<GoalReached | undefined> {
  const { rows } = await tx.query<{ organizer_id: string; title: string; goal_amount: number; goal_currency: string; raised_amount: number }>(
    `update campaign_totals t set goal_reached_at = now()
       from campaigns c
      where t.campaign_id = $1 and c.id = t.campaign_id and t.goal_reached_at is null and t.raised_amount >= c.goal_amount
      returning c.organizer_id, c.title, c.goal_amount, c.goal_currency, t.raised_amount`,
    [campaignId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const currency = row.goal_currency.trim();
  return { organizerId: row.organizer_id, title: row.title, goal: { amount: Number(row.goal_amount), currency }, raised: { amount: Number(row.raised_amount), currency } };
}

export type OnceOutcome = "applied" | "seen" | "not_applied";

/**
 * adjustTotals and the event's inbox row (the kit's `processed_events`, as
 * `processOnce` writes it) in one statement, with no transaction of its own:
 * the inbox row is inserted from the update's row, so both commit or neither.
 * `seen` when the event was applied before (nothing changes). `not_applied`,
 * changing nothing, when the update does not apply (no such campaign, past
 * the exact-sum limit) or when `mayReachGoal` and the donation would reach an
 * unannounced goal: the caller then applies the event in a transaction, where
 * the goal is marked and announced with it. Two concurrent deliveries both
 * get past the inbox check, but the second one's inbox INSERT conflicts
 * (after waiting on the first's row lock), so its whole statement fails and
 * it resolves `seen`.
 */
export async function adjustTotalsOnce(
  q: Queryable,
  once: { consumer: string; eventId: string },
  change: { campaignId: string; amountDelta: number; countDelta: number; at: Date; mayReachGoal: boolean },
): Promise<OnceOutcome> {
  try {
    const { rows } = await q.query<{ applied: boolean; seen: boolean }>(
      `with changed as (
         update campaign_totals t set raised_amount = greatest(t.raised_amount + $2, 0),
                donation_count = greatest(t.donation_count + $3, 0), updated_at = $4
           from campaigns c
          where t.campaign_id = $1 and c.id = t.campaign_id and t.raised_amount + $2 <= $5
            and not ($6::boolean and t.goal_reached_at is null and t.raised_amount + $2 >= c.goal_amount)
            and not exists (select 1 from processed_events where consumer = $7 and event_id = $8)
          returning t.campaign_id),
       claimed as (insert into processed_events (consumer, event_id) select $7, $8 from changed returning event_id)
       select exists (select 1 from claimed) as applied,
              exists (select 1 from processed_events where consumer = $7 and event_id = $8) as seen`,
      [change.campaignId, change.amountDelta, change.countDelta, change.at, Number.MAX_SAFE_INTEGER, change.mayReachGoal, once.consumer, once.eventId],
    );
    const row = rows[0];
    return row?.applied === true ? "applied" : row?.seen === true ? "seen" : "not_applied";
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return "seen";
    throw error;
  }
}

const UNIQUE_VIOLATION = "23505";
