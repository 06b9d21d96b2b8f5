import { createEvent } from "@blessed-horizon/contracts";
import { outboxValues, writeOutbox, type Queryable } from "@blessed-horizon/service-kit";
import { recordProviderAnswer, transitionDonation, type DonationRow } from "../db/donations.js";
import { ledgerInserts, ledgerRows } from "../db/ledger.js";
import { captureGroups } from "../domain/ledger.js";
import type { DonationStatus } from "../domain/status.js";
import { crashPoint } from "./crash-point.js";
import type { PaymentDeps } from "./deps.js";
import { donationRef } from "./view.js";

/** Takes the held money (a donation in review, or one a crash left holding) and settles PAID, as `settleCaptured`. */
export async function captureAndSettle(
  deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten">,
  donation: DonationRow,
  from: DonationStatus,
  authorizationId: string,
): Promise<DonationRow | undefined> {
  const capture = await deps.provider.capture({ authorizationId, reference: donation.id, amount: Number(donation.amount) + Number(donation.tip) });
  return settleCaptured(deps, donation, from, { ...capture, authorizationId });
}

/**
 * Settles PAID a donation the provider just captured (by `capture` or by one
 * `charge`). The PAID statement is what stores the answer (authorization id,
 * charge id, fee) the moment it arrives, in one commit; when it does not
 * settle (the donation left `from`, or the statement failed), the answer is
 * still stored on its own. A crash before that is what the reconciler's
 * provider lookup is for. Undefined when the donation was not in `from` any more.
 */
export async function settleCaptured(
  deps: Pick<PaymentDeps, "db" | "outboxWritten">,
  donation: DonationRow,
  from: DonationStatus,
  capture: { chargeId: string; fee: number; authorizationId: string },
): Promise<DonationRow | undefined> {
  crashPoint("after-capture");
  const store = () => recordProviderAnswer(deps.db, donation.id, { charge_id: capture.chargeId, fee: capture.fee, authorization_id: capture.authorizationId });
  const paid = await settlePaid(deps.db, donation, from, capture).catch(async (error: unknown) => {
    await store().catch(() => undefined);
    throw error;
  });
  if (paid) deps.outboxWritten();
  else await store();
  return paid;
}

/**
 * Marks a captured donation PAID, writes its ledger groups and
 * `donation.succeeded`: one statement (atomic on its own, so it needs no
 * transaction, and it may run in the caller's). The conditional update is
 * what makes it happen once: when the donation was not in `from` any more it
 * was settled already, nothing is written and the answer is undefined.
 * `donation` gives the fields that never change after the donation is
 * stored (ids, amounts, donor, card summary).
 */
export async function settlePaid(
  tx: Queryable,
  donation: DonationRow,
  from: DonationStatus,
  capture: { chargeId: string; fee: number; authorizationId?: string | null },
): Promise<DonationRow | undefined> {
  const currency = donation.currency.trim();
  const amount = Number(donation.amount);
  const tip = Number(donation.tip);
  const ledger = ledgerRows(captureGroups({ provider: donation.provider, campaignId: donation.campaign_id, currency, amount, tip, fee: capture.fee }));
  const event = outboxValues(createEvent("donation.succeeded", {
    ...donationRef(donation),
    amount: { amount, currency },
    tip: { amount: tip, currency },
    fee: { amount: capture.fee, currency },
  }));
  const { rows } = await tx.query<DonationRow>(
    `WITH paid AS (
       UPDATE donations SET status = 'PAID', updated_at = now(), paid_at = now(), charge_id = $3, fee = $4, authorization_id = COALESCE($5, authorization_id)
        WHERE id = $1 AND status = $2 RETURNING *
     ), ${ledgerInserts(10, { from: "paid", donation: "paid.id", refund: "NULL::uuid" })}, outbox AS (
       INSERT INTO event_outbox (event_id, type, occurred_at, data) SELECT $6::uuid, $7::text, $8::timestamptz, $9::jsonb FROM paid
     )
     SELECT * FROM paid`,
    [donation.id, from, capture.chargeId, capture.fee, capture.authorizationId ?? null, ...event, ...ledger.params],
  );
  return rows[0];
}

/** Releases a hold that will not be captured and marks the donation ERROR (`donation.failed`); undefined when it was not in `from` any more. */
export async function releaseAndFail(
  deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten">,
  donation: DonationRow,
  from: DonationStatus,
  authorizationId: string,
  reason: string,
): Promise<DonationRow | undefined> {
  await deps.provider.cancel({ authorizationId, reference: donation.id });
  const failed = await deps.db.transaction((tx) => settleFailed(tx, donation, from, reason));
  if (failed) deps.outboxWritten();
  return failed;
}

/** Marks a donation ERROR with a reason code and writes `donation.failed`, in the caller's transaction. */
export async function settleFailed(
  tx: Queryable,
  donation: DonationRow,
  from: DonationStatus,
  reason: string,
  extra: Partial<Pick<DonationRow, "trust_score" | "trust_decision" | "trust_reasons">> = {},
): Promise<DonationRow | undefined> {
  const failed = await transitionDonation(tx, donation.id, from, "ERROR", { ...extra, failure_code: reason });
  if (!failed) return undefined;
  await writeOutbox(tx, createEvent("donation.failed", {
    ...donationRef(failed),
    amount: { amount: Number(failed.amount), currency: failed.currency.trim() },
    reason,
  }));
  return failed;
}
