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
  /** The caller-scoped Idempotency-Key of the request that created it. */
  idempotency_key: string | null;
  reconcile_until: Date | null;
}

export type NewDonation = Pick<DonationRow, "id" | "campaign_id" | "organizer_id" | "donor_id" | "email" | "ip" | "currency" | "amount" | "tip" | "card_fingerprint" | "card_last4" | "card_brand" | "provider" | "idempotency_key">;

/** How a donation starts: NEW (nothing decided yet), or PROCESSING with the trust verdict it was inserted after. */
export type DonationStart = { status: "NEW" } | ({ status: "PROCESSING" } & Pick<DonationRow, "trust_score" | "trust_decision" | "trust_reasons">);

/**
 * Inserts a donation, unless its Idempotency-Key already made one within the keys' 24 h life: then undefined, and
 * nothing is inserted (the same statement checks). The route looks for a key's earlier donation only when the kit
 * says the claim took over a released one; this catches the claim an instance from before kit migration 0003
 * released by deleting it (a rolling deploy), so a retry never charges twice.
 */
export async function insertDonation(db: Queryable, d: NewDonation, start: DonationStart = { status: "NEW" }): Promise<DonationRow | undefined> {
  const trust = start.status === "PROCESSING" ? start : { trust_score: null, trust_decision: null, trust_reasons: [] };
  const { rows } = await db.query<DonationRow>(
    `INSERT INTO donations (id, campaign_id, organizer_id, donor_id, email, ip, currency, amount, tip, status,
       card_fingerprint, card_last4, card_brand, provider, idempotency_key, trust_score, trust_decision, trust_reasons)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text, $16, $17, $18::jsonb
      WHERE $15::text IS NULL OR NOT EXISTS (
        SELECT 1 FROM donations WHERE idempotency_key = $15::text AND created_at > now() - interval '24 hours'
           AND failure_code IS DISTINCT FROM 'trust_unavailable')
     RETURNING *`,
    [d.id, d.campaign_id, d.organizer_id, d.donor_id, d.email, d.ip, d.currency, d.amount, d.tip, start.status, d.card_fingerprint, d.card_last4, d.card_brand, d.provider, d.idempotency_key,
      trust.trust_score, trust.trust_decision, JSON.stringify(trust.trust_reasons)],
  );
  return rows[0];
}

/** The newest donation created under a caller-scoped Idempotency-Key within the keys' 24 h life. */
export async function findDonationByIdempotencyKey(db: Queryable, key: string): Promise<DonationRow | undefined> {
  const { rows } = await db.query<DonationRow>(
    "SELECT * FROM donations WHERE idempotency_key = $1 AND created_at > now() - interval '24 hours' ORDER BY created_at DESC LIMIT 1",
    [key],
  );
  return rows[0];
}

/**
 * Stores a provider answer the moment it arrives (before the next step), on a
 * donation still waiting for it; `updated_at` moves too, so the reconciler
 * sees the request is alive.
 */
export async function recordProviderAnswer(
  db: Queryable,
  id: string,
  answer: { authorization_id: string } | { charge_id: string; fee: number; authorization_id?: string | undefined },
): Promise<void> {
  if ("charge_id" in answer) {
    await db.query(
      "UPDATE donations SET charge_id = $2, fee = $3, authorization_id = COALESCE($4, authorization_id), updated_at = now() WHERE id = $1 AND status IN ('PROCESSING', 'IN_REVIEW')",
      [id, answer.charge_id, answer.fee, answer.authorization_id ?? null],
    );
  } else {
    await db.query("UPDATE donations SET authorization_id = $2, updated_at = now() WHERE id = $1 AND status = 'PROCESSING'", [id, answer.authorization_id]);
  }
}

/**
 * Claims for `leaseMs` up to `limit` donations a crash may have left: NEW or
 * PROCESSING untouched for `staleMs`, IN_REVIEW for longer than the review
 * window. SKIP LOCKED and the lease keep two replicas off the same donation.
 */
export async function claimUnsettledDonations(db: Queryable, o: { staleMs: number; reviewWindowHours: number; leaseMs: number; limit: number }): Promise<DonationRow[]> {
  const { rows } = await db.query<DonationRow>(
    `UPDATE donations SET reconcile_until = now() + make_interval(secs => $3)
      WHERE id IN (SELECT id FROM donations
                    WHERE ((status IN ('NEW', 'PROCESSING') AND updated_at < now() - make_interval(secs => $1))
                           OR (status = 'IN_REVIEW' AND updated_at < now() - make_interval(secs => $2)))
                      AND (reconcile_until IS NULL OR reconcile_until < now())
                    ORDER BY updated_at LIMIT $4 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [o.staleMs / 1000, o.reviewWindowHours * 3600, o.leaseMs / 1000, o.limit],
  );
  return rows;
}

export async function findDonation(db: Queryable, id: string, lock = false): Promise<DonationRow | undefined> {
  const { rows } = await db.query<DonationRow>(`SELECT * FROM donations WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  return rows[0];
}

/** A donation that must exist (this service wrote it; someone else may have moved it meanwhile: a webhook, the reconciler): its absence is a bug, not a 404. */
export async function getDonation(db: Queryable, id: string): Promise<DonationRow> {
  const donation = await findDonation(db, id);
  if (donation === undefined) throw new Error(`donation ${id} vanished`);
  return donation;
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

export type RefundStatus = "PENDING" | "SUCCEEDED" | "FAILED";

export interface RefundRow {
  id: string;
  donation_id: string;
  amount: number;
  currency: string;
  reason: string | null;
  provider_refund_id: string | null;
  status: RefundStatus;
  idempotency_key: string | null;
  created_at: Date;
}

export async function insertRefund(
  db: Queryable,
  r: { id: string; donationId: string; amount: number; currency: string; reason: string | null; status: RefundStatus; idempotencyKey?: string | undefined },
): Promise<RefundRow | undefined> {
  // Undefined, inserting nothing, when the key's newest refund within 24 h did not fail (as insertDonation, and as
  // findRefundByIdempotencyKey's answer reads it): the claim of that earlier request was released without a trace.
  const { rows } = await db.query<RefundRow>(
    `INSERT INTO refunds (id, donation_id, amount, currency, reason, status, idempotency_key)
     SELECT $1, $2, $3, $4, $5, $6, $7::text
      WHERE $7::text IS NULL OR NOT EXISTS (
        SELECT 1 FROM (SELECT status FROM refunds WHERE idempotency_key = $7::text AND created_at > now() - interval '24 hours'
                        ORDER BY created_at DESC LIMIT 1) newest WHERE newest.status <> 'FAILED')
     RETURNING *`,
    [r.id, r.donationId, r.amount, r.currency, r.reason, r.status, r.idempotencyKey ?? null],
  );
  return rows[0];
}

/** Moves a refund out of PENDING once; undefined when it had left PENDING already. */
export async function finishRefund(db: Queryable, id: string, to: "SUCCEEDED" | "FAILED", providerRefundId: string | null): Promise<RefundRow | undefined> {
  const { rows } = await db.query<RefundRow>(
    "UPDATE refunds SET status = $2, provider_refund_id = COALESCE($3, provider_refund_id), updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING *",
    [id, to, providerRefundId],
  );
  return rows[0];
}

/** Money of a donation's refunds still waiting for the provider (reserved, so refunds together never exceed the capture). */
export async function pendingRefunded(db: Queryable, donationId: string): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>("SELECT COALESCE(sum(amount), 0)::bigint AS n FROM refunds WHERE donation_id = $1 AND status = 'PENDING'", [donationId]);
  return Number(rows[0].n);
}

export async function findRefundByIdempotencyKey(db: Queryable, key: string): Promise<RefundRow | undefined> {
  const { rows } = await db.query<RefundRow>(
    "SELECT * FROM refunds WHERE idempotency_key = $1 AND created_at > now() - interval '24 hours' ORDER BY created_at DESC LIMIT 1",
    [key],
  );
  return rows[0];
}

/** Claims for `leaseMs` refunds left PENDING for `staleMs` (a crash between the provider and the commit). */
export async function claimPendingRefunds(db: Queryable, o: { staleMs: number; leaseMs: number; limit: number }): Promise<RefundRow[]> {
  const { rows } = await db.query<RefundRow>(
    `UPDATE refunds SET reconcile_until = now() + make_interval(secs => $2)
      WHERE id IN (SELECT id FROM refunds
                    WHERE status = 'PENDING' AND updated_at < now() - make_interval(secs => $1)
                      AND (reconcile_until IS NULL OR reconcile_until < now())
                    ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [o.staleMs / 1000, o.leaseMs / 1000, o.limit],
  );
  return rows;
}

export async function listRefunds(db: Queryable, donationId: string): Promise<{ id: string; amount: number; currency: string; reason: string | null; created_at: Date }[]> {
  const { rows } = await db.query<{ id: string; amount: number; currency: string; reason: string | null; created_at: Date }>(
    "SELECT id, amount, currency, reason, created_at FROM refunds WHERE donation_id = $1 AND status = 'SUCCEEDED' ORDER BY created_at, id",
    [donationId],
  );
  return rows;
}
