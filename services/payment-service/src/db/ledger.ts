import { randomUUID } from "node:crypto";
import type { Queryable } from "@blessed-horizon/service-kit";
import { assertBalanced, type Direction, type LedgerGroupDraft, type LedgerKind } from "../domain/ledger.js";

/** Writes balanced groups (checked before anything is written). */
export async function insertLedgerGroups(db: Queryable, groups: LedgerGroupDraft[], refs: { donationId: string; refundId?: string }): Promise<string[]> {
  groups.forEach(assertBalanced);
  const ids: string[] = [];
  for (const group of groups) {
    const id = randomUUID();
    await db.query("INSERT INTO ledger_groups (id, kind, donation_id, refund_id) VALUES ($1, $2, $3, $4)", [id, group.kind, refs.donationId, refs.refundId ?? null]);
    for (const e of group.entries) {
      await db.query("INSERT INTO ledger_entries (group_id, account, direction, amount, currency) VALUES ($1, $2, $3, $4, $5)", [id, e.account, e.direction, e.amount, e.currency]);
    }
    ids.push(id);
  }
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
