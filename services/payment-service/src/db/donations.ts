import type { Queryable } from "@blessed-horizon/service-kit";
import type { DonationStatus } from "../domain/status.js";

export interface DonationRow {
  id: string;
  campaign_id: string;
  organizer_id: string | null;
  donor_id: string | null;
  email: string | null;
  ip: string | null;
  currency: string;
  amount: number;
  tip: number;
  fee: number;
  refunded: number;
  status: DonationStatus;
  failure_code: string | null;
  card_fingerprint: string;
  card_last4: string;
  card_brand: string;
  provider: string;
  authorization_id: string | null;
  charge_id: string | null;
  trust_score: number | null;
  trust_decision: string | null;
  trust_reasons: string[];
  created_at: Date;
  updated_at: Date;
  paid_at: Date | null;
}

export type NewDonation = Pick<DonationRow, "id" | "campaign_id" | "organizer_id" | "donor_id" | "email" | "ip" | "currency" | "amount" | "tip" | "card_fingerprint" | "card_last4" | "card_brand" | "provider">;

export async function insertDonation(db: Queryable, d: NewDonation): Promise<DonationRow> {
  const { rows } = await db.query<DonationRow>(
    `INSERT INTO donations (id, campaign_id, organizer_id, donor_id, email, ip, currency, amount, tip, status,
       card_fingerprint, card_last4, card_brand, provider)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'NEW', $10, $11, $12, $13) RETURNING *`,
    [d.id, d.campaign_id, d.organizer_id, d.donor_id, d.email, d.ip, d.currency, d.amount, d.tip, d.card_fingerprint, d.card_last4, d.card_brand, d.provider],
  );
  return rows[0];
}

export async function findDonation(db: Queryable, id: string, lock = false): Promise<DonationRow | undefined> {
  const { rows } = await db.query<DonationRow>(`SELECT * FROM donations WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

export async function findDonationByAuthorization(db: Queryable, authorizationId: string): Promise<DonationRow | undefined> {
  const { rows } = await db.query<DonationRow>("SELECT * FROM donations WHERE authorization_id = $1", [authorizationId]);
  return rows[0];
}

/**
 * Moves a donation from `from` to `to` with extra column changes. Returns the
 * updated row, or undefined when the donation was no longer in `from` (another
 * writer won): this conditional update is what makes PAID happen once.
 */
export async function transitionDonation(
  db: Queryable,
  id: string,
  from: DonationStatus,
  to: DonationStatus,
  set: Partial<Pick<DonationRow, "failure_code" | "authorization_id" | "charge_id" | "fee" | "refunded" | "trust_score" | "trust_decision" | "trust_reasons">> = {},
): Promise<DonationRow | undefined> {
  const columns = Object.keys(set) as (keyof typeof set)[];
  const assignments = columns.map((c, i) => `${c} = $${i + 4}${c === "trust_reasons" ? "::jsonb" : ""}`);
  const values = columns.map((c) => (c === "trust_reasons" ? JSON.stringify(set[c]) : set[c]));
  const { rows } = await db.query<DonationRow>(
    `UPDATE donations SET status = $3, updated_at = now()${to === "PAID" ? ", paid_at = now()" : ""}${assignments.map((a) => `, ${a}`).join("")}
      WHERE id = $1 AND status = $2 RETURNING *`,
    [id, from, to, ...values],
  );
  return rows[0];
}

/** Records refunded money on a PAID donation (partial refunds keep it PAID). */
export async function addRefunded(db: Queryable, id: string, refundedAfter: number, status: DonationStatus): Promise<void> {
  await db.query("UPDATE donations SET refunded = $2, status = $3, updated_at = now() WHERE id = $1", [id, refundedAfter, status]);
}

export async function insertRefund(
  db: Queryable,
  r: { id: string; donationId: string; amount: number; currency: string; reason: string | null; providerRefundId: string },
): Promise<{ id: string; created_at: Date }> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `INSERT INTO refunds (id, donation_id, amount, currency, reason, provider_refund_id) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, created_at`,
    [r.id, r.donationId, r.amount, r.currency, r.reason, r.providerRefundId],
  );
  return rows[0];
}

export async function listRefunds(db: Queryable, donationId: string): Promise<{ id: string; amount: number; currency: string; reason: string | null; created_at: Date }[]> {
  const { rows } = await db.query<{ id: string; amount: number; currency: string; reason: string | null; created_at: Date }>(
    "SELECT id, amount, currency, reason, created_at FROM refunds WHERE donation_id = $1 ORDER BY created_at, id",
    [donationId],
  );
  return rows;
}
