import { randomUUID } from "node:crypto";
import type { AssetKind } from "../domain/input.js";
import type { SqlQueryable } from "@blessed-horizon/service-kit";

export interface SuspendedAsset {
  id: string;
  kind: AssetKind;
  value: string;
  reason: string | null;
  createdBy: string | null;
  createdAt: string;
}

interface Row {
  id: string;
  kind: AssetKind;
  value: string;
  reason: string | null;
  created_by: string | null;
  created_at: Date | string;
}

const toAsset = (r: Row): SuspendedAsset => ({
  id: r.id,
  kind: r.kind,
  value: r.value,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Suspends an asset; suspending one that already is returns the existing entry (`created` false). */
export async function suspendAsset(
  q: SqlQueryable,
  input: { kind: AssetKind; value: string; reason?: string | undefined; createdBy: string },
): Promise<{ asset: SuspendedAsset; created: boolean }> {
  const inserted = await q.query<Row>(
    `INSERT INTO trust_suspended_assets (id, kind, value, reason, created_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (kind, value) DO NOTHING RETURNING *`,
    [randomUUID(), input.kind, input.value, input.reason ?? null, input.createdBy],
  );
  if (inserted.rows[0]) return { asset: toAsset(inserted.rows[0]), created: true };
  const { rows } = await q.query<Row>(`SELECT * FROM trust_suspended_assets WHERE kind = $1 AND value = $2`, [input.kind, input.value]);
  return { asset: toAsset(rows[0]), created: false };
}

export async function listSuspendedAssets(q: SqlQueryable, kind?: AssetKind): Promise<SuspendedAsset[]> {
  const { rows } = await q.query<Row>(
    `SELECT * FROM trust_suspended_assets WHERE ($1::text IS NULL OR kind = $1) ORDER BY created_at, id`,
    [kind ?? null],
  );
  return rows.map(toAsset);
}

/** Lifts a suspension; false when there was none. */
export async function liftSuspension(q: SqlQueryable, where: { id: string } | { kind: AssetKind; value: string }): Promise<boolean> {
  const { rows } =
    "id" in where
      ? await q.query(`DELETE FROM trust_suspended_assets WHERE id = $1 RETURNING id`, [where.id])
      : await q.query(`DELETE FROM trust_suspended_assets WHERE kind = $1 AND value = $2 RETURNING id`, [where.kind, where.value]);
  return rows.length > 0;
}
