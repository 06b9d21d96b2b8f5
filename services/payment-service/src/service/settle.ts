import { createEvent } from "@blessed-horizon/contracts";
import { writeOutbox, type Queryable } from "@blessed-horizon/service-kit";
import { transitionDonation, type DonationRow } from "../db/donations.js";
import { insertLedgerGroups } from "../db/ledger.js";
import { captureGroups } from "../domain/ledger.js";
import type { DonationStatus } from "../domain/status.js";
import { donationRef } from "./view.js";

/**
 * Marks a captured donation PAID, writes its ledger groups and
 * `donation.succeeded`, all in the caller's transaction. Returns undefined
 * when the donation was not in `from` any more: it was settled already, and
 * nothing is written twice.
 */
export async function settlePaid(
  tx: Queryable,
  donation: DonationRow,
  from: DonationStatus,
  capture: { chargeId: string; fee: number; authorizationId?: string | null },
): Promise<DonationRow | undefined> {
  const paid = await transitionDonation(tx, donation.id, from, "PAID", {
    charge_id: capture.chargeId,
    fee: capture.fee,
    ...(capture.authorizationId ? { authorization_id: capture.authorizationId } : {}),
  });
  if (!paid) return undefined;
  const currency = paid.currency.trim();
  await insertLedgerGroups(tx, captureGroups({ provider: paid.provider, campaignId: paid.campaign_id, currency, amount: Number(paid.amount), tip: Number(paid.tip), fee: Number(paid.fee) }), { donationId: paid.id });
  await writeOutbox(tx, createEvent("donation.succeeded", {
    ...donationRef(paid),
    amount: { amount: Number(paid.amount), currency },
    tip: { amount: Number(paid.tip), currency },
    fee: { amount: Number(paid.fee), currency },
  }));
  return paid;
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
