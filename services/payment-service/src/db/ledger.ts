import { randomUUID } from "node:crypto";
import type { Queryable } from "@blessed-horizon/service-kit";
import { assertBalanced, type Direction, type LedgerGroupDraft, type LedgerKind } from "../domain/ledger.js";

/**
 * The rows of balanced `groups` (checked before anything is written) as the
 * seven array parameters `ledgerInserts` reads: group ids and kinds, then the
 * entries' group ids, accounts, directions, amounts and currencies.
 */
export function ledgerRows(groups: LedgerGroupDraft[]): { ids: string[]; params: unknown[] } {
  groups.forEach(assertBalanced);
  const ids = groups.map(() => randomUUID());
  const entries = groups.flatMap((group, i) => group.entries.map((e) => ({ ...e, groupId: ids[i] })));
  return {
    ids,
    params: [ids, groups.map((g) => g.kind), entries.map((e) => e.groupId), entries.map((e) => e.account), entries.map((e) => e.direction), entries.map((e) => e.amount), entries.map((e) => e.currency)],
  };
}

/**
 * Two CTEs (`ledger_g`, `ledger_e`) inserting the rows of `ledgerRows`,
 * whose parameters start at `$first`, in the order given (positions and entry
 * ids follow it). `from` joins a CTE of one row (e.g. the donation just marked
 * PAID), so nothing is written when it is empty; `donation` and `refund` are
 * SQL expressions for the groups' references.
 */
export function ledgerInserts(first: number, o: { from?: string; donation: string; refund: string }): string {
  const p = (i: number) => `$${first + i}`;
  const from = o.from ? `${o.from}, ` : "";
  return `ledger_g AS (
       INSERT INTO ledger_groups (id, kind, donation_id, refund_id)
       SELECT t.id, t.kind, ${o.donation}, ${o.refund} FROM ${from}unnest(${p(0)}::uuid[], ${p(1)}::text[]) WITH ORDINALITY AS t (id, kind, n) ORDER BY t.n
     ), ledger_e AS (
       INSERT INTO ledger_entries (group_id, account, direction, amount, currency)
       SELECT t.group_id, t.account, t.direction, t.amount, t.currency
         FROM ${from}unnest(${p(2)}::uuid[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::bigint[], ${p(6)}::text[]) WITH ORDINALITY AS t (group_id, account, direction, amount, currency, n)
        ORDER BY t.n
     )`;
}

/** Writes balanced groups and their entries in one statement (one round trip, not one per row). */
export async function insertLedgerGroups(db: Queryable, groups: LedgerGroupDraft[], refs: { donationId: string; refundId?: string }): Promise<string[]> {
  const { ids, params } = ledgerRows(groups);
  if (ids.length === 0) return [];
  await db.query(`WITH ${ledgerInserts(3, { donation: "$1::uuid", refund: "$2::uuid" })} SELECT 1`, [refs.donationId, refs.refundId ?? null, ...params]);
  return ids;
}

export interface LedgerTransaction {
  id: string;
  kind: LedgerKind;
  donationId: string | null;
  refundId: string | null;
  createdAt: string;
  entries: { account: string; direction: Direction; amount: number; currency: string }[];
}

interface GroupRow {
  id: string;
  kind: LedgerKind;
  donation_id: string | null;
  refund_id: string | null;
  created_at: Date;
  position: number;
  entries: { account: string; direction: Direction; amount: number; currency: string }[];
}

/** Ledger groups newest first, each with its entries; `before` is the position cursor of the previous page. */
export async function listLedgerTransactions(
  db: Queryable,
  filter: { donationId?: string | undefined; account?: string | undefined; limit: number; before?: number | undefined },
): Promise<{ items: LedgerTransaction[]; nextCursor: number | null }> {
  const { rows } = await db.query<GroupRow>(
    `SELECT g.id, g.kind, g.donation_id, g.refund_id, g.created_at, g.position,
            (SELECT json_agg(json_build_object('account', e.account, 'direction', e.direction, 'amount', e.amount, 'currency', e.currency) ORDER BY e.id)
               FROM ledger_entries e WHERE e.group_id = g.id) AS entries
       FROM ledger_groups g
      WHERE ($1::uuid IS NULL OR g.donation_id = $1::uuid)
        AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM ledger_entries a WHERE a.group_id = g.id AND a.account = $2::text))
        AND ($3::bigint IS NULL OR g.position < $3::bigint)
      ORDER BY g.position DESC
      LIMIT $4`,
    [filter.donationId ?? null, filter.account ?? null, filter.before ?? null, filter.limit + 1],
  );
  const page = rows.slice(0, filter.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      kind: r.kind,
      donationId: r.donation_id,
      refundId: r.refund_id,
      createdAt: new Date(r.created_at).toISOString(),
      entries: r.entries.map((e) => ({ ...e, amount: Number(e.amount) })),
    })),
    nextCursor: rows.length > filter.limit ? Number(page[page.length - 1].position) : null,
  };
}

export interface AccountBalance {
  currency: string;
  debits: number;
  credits: number;
}

export async function accountBalances(db: Queryable, account: string): Promise<AccountBalance[]> {
  const { rows } = await db.query<{ currency: string; debits: string | number; credits: string | number }>(
    `SELECT currency,
            COALESCE(SUM(amount) FILTER (WHERE direction = 'DEBIT'), 0)::bigint AS debits,
            COALESCE(SUM(amount) FILTER (WHERE direction = 'CREDIT'), 0)::bigint AS credits
       FROM ledger_entries WHERE account = $1 GROUP BY currency ORDER BY currency`,
    [account],
  );
  return rows.map((r) => ({ currency: r.currency.trim(), debits: Number(r.debits), credits: Number(r.credits) }));
}

/** Groups whose debits and credits differ (should always be empty); used by tests and the reconciliation check. */
export async function unbalancedGroups(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ group_id: string }>(
    `SELECT group_id FROM ledger_entries GROUP BY group_id, currency
      HAVING SUM(CASE direction WHEN 'DEBIT' THEN amount ELSE -amount END) <> 0`,
  );
  return rows.map((r) => r.group_id);
}
