import { createEvent } from "@blessed-horizon/contracts";
import { writeOutbox, type Queryable } from "@blessed-horizon/service-kit";
import { recordProviderAnswer, transitionDonation, type DonationRow } from "../db/donations.js";
import { insertLedgerGroups } from "../db/ledger.js";
import { captureGroups } from "../domain/ledger.js";
import type { DonationStatus } from "../domain/status.js";
import { crashPoint } from "./crash-point.js";
import type { PaymentDeps } from "./deps.js";
import { donationRef } from "./view.js";

/**
 * Takes the held money and settles PAID. The capture is stored the moment it
 * arrives; a crash before that is what the reconciler's provider lookup is
 * for. Undefined when the donation was not in `from` any more.
 */
export async function captureAndSettle(
  deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten">,
  donation: DonationRow,
  from: DonationStatus,
  authorizationId: string,
): Promise<DonationRow | undefined> {
  const capture = await deps.provider.capture({ authorizationId, reference: donation.id });
  crashPoint("after-capture");
  await recordProviderAnswer(deps.db, donation.id, { charge_id: capture.chargeId, fee: capture.fee });
  const paid = await deps.db.transaction((tx) => settlePaid(tx, donation, from, { ...capture, authorizationId }));
  if (paid) deps.outboxWritten();
  return paid;
}

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
