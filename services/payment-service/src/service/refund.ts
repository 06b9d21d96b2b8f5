import { randomUUID } from "node:crypto";
import { createEvent, type Money } from "@blessed-horizon/contracts";
import { ConflictError, NotFoundError, writeOutbox, type Queryable } from "@blessed-horizon/service-kit";
import { addRefunded, findDonation, getDonation, finishRefund, insertRefund, pendingRefunded, type DonationRow, type RefundRow } from "../db/donations.js";
import { insertLedgerGroups } from "../db/ledger.js";
import { refundGroup } from "../domain/ledger.js";
import { planRefund, RefundRefusedError } from "../domain/refunds.js";
import { ProviderError } from "../clients/provider.js";
import { crashPoint } from "./crash-point.js";
import type { PaymentDeps } from "./deps.js";
import { donationRef } from "./view.js";

export interface RefundResult {
  id: string;
  donationId: string;
  amount: Money;
  reason: string | null;
  createdAt: string;
  donation: DonationRow;
}

type RefundRequest = { amount?: Money | undefined; reason?: string | undefined };
type RefundDeps = Pick<PaymentDeps, "db" | "provider" | "outboxWritten">;

async function lockDonation(tx: Queryable, donationId: string): Promise<DonationRow> {
  const donation = await findDonation(tx, donationId, true);
  if (!donation) throw new NotFoundError(`donation ${donationId} does not exist`);
  return donation;
}

/** Decides a refund on a locked donation and records it PENDING; refunds still pending count as refunded. */
async function reserveRefund(tx: Queryable, donation: DonationRow, request: RefundRequest, idempotencyKey?: string): Promise<RefundRow> {
  const currency = donation.currency.trim();
  let plan;
  try {
    const refunded = Number(donation.refunded) + (await pendingRefunded(tx, donation.id));
    plan = planRefund({ status: donation.status, currency, amount: Number(donation.amount), refunded }, request.amount);
  } catch (error) {
    if (error instanceof RefundRefusedError) throw new ConflictError(error.message, { code: `BH_REFUND_${error.code.toUpperCase()}`, cause: error });
    throw error;
  }
  const refund = await insertRefund(tx, { id: randomUUID(), donationId: donation.id, amount: plan.amount, currency, reason: request.reason ?? null, status: "PENDING", idempotencyKey });
  if (!refund) throw new EarlierRefundError();
  return refund;
}

/** The key's earlier request made a refund after all (its claim was released without a trace: insertRefund). */
export class EarlierRefundError extends Error {
  override readonly name = "EarlierRefundError";
  constructor() {
    super("the Idempotency-Key already made a refund");
  }
}

/**
 * Marks a PENDING refund SUCCEEDED with its reversing ledger group, the
 * donation's refunded total and `donation.refunded`, in the caller's
 * transaction on the locked donation. Undefined when it had left PENDING.
 */
async function applyRefund(tx: Queryable, donation: DonationRow, refundId: string, providerRefundId: string): Promise<RefundResult | undefined> {
  const refund = await finishRefund(tx, refundId, "SUCCEEDED", providerRefundId);
  if (!refund) return undefined;
  const currency = donation.currency.trim();
  const amount = Number(refund.amount);
  const refundedAfter = Number(donation.refunded) + amount;
  await insertLedgerGroups(tx, [refundGroup({ provider: donation.provider, campaignId: donation.campaign_id, currency, amount })], { donationId: donation.id, refundId });
  await addRefunded(tx, donation.id, refundedAfter, refundedAfter === Number(donation.amount) ? "REFUNDED" : "PAID");
  await writeOutbox(tx, createEvent("donation.refunded", {
    ...donationRef(donation),
    refundId,
    amount: { amount, currency },
    totalRefunded: { amount: refundedAfter, currency },
    captured: { amount: Number(donation.amount), currency },
  }));
  return refundResult(refund, await getDonation(tx, donation.id));
}

export function refundResult(refund: RefundRow, donation: DonationRow): RefundResult {
  return {
    id: refund.id, donationId: refund.donation_id, amount: { amount: Number(refund.amount), currency: refund.currency.trim() },
    reason: refund.reason, createdAt: new Date(refund.created_at).toISOString(), donation,
  };
}

/**
 * Settles a PENDING refund the provider has made (`providerRefundId`), once:
 * a second call, or one for a refund settled meanwhile, writes nothing and
 * answers the refund as it is.
 */
export async function completeRefund(deps: RefundDeps, refund: RefundRow, providerRefundId: string): Promise<RefundResult> {
  const result = await deps.db.transaction(async (tx) => applyRefund(tx, await lockDonation(tx, refund.donation_id), refund.id, providerRefundId));
  if (result) deps.outboxWritten();
  return result ?? refundResult(refund, await getDonation(deps.db, refund.donation_id));
}

/**
 * Refunds part or all of a PAID donation. The refund is recorded PENDING
 * first (under the donation's row lock, so concurrent refunds cannot together
 * exceed what was captured) and its id is the provider's idempotency key; the
 * provider is asked outside any transaction; then the refund, its reversing
 * ledger group and `donation.refunded` commit together. A crash in between
 * leaves a PENDING refund that the reconciler settles by asking the provider.
 */
export async function refundDonation(deps: RefundDeps, donationId: string, request: RefundRequest, idempotencyKey?: string): Promise<RefundResult> {
  const { refund, chargeId } = await deps.db.transaction(async (tx) => {
    const donation = await lockDonation(tx, donationId);
    const refund = await reserveRefund(tx, donation, request, idempotencyKey);
    // planRefund takes only captured donations, and a capture recorded its charge: rolled back otherwise.
    if (donation.charge_id === null) throw new Error(`donation ${donation.id} is refundable but has no charge`);
    return { refund, chargeId: donation.charge_id };
  });
  let providerRefundId: string;
  try {
    ({ refundId: providerRefundId } = await deps.provider.refund({ chargeId, amount: Number(refund.amount), reference: refund.id }));
  } catch (error) {
    // A refusal moved nothing; any other failure may have, and stays PENDING for the reconciler.
    if (error instanceof ProviderError) await finishRefund(deps.db, refund.id, "FAILED", null);
    throw error;
  }
  crashPoint("after-refund");
  return completeRefund(deps, refund, providerRefundId);
}

/**
 * A refund made at the provider already (a `charge.refunded` webhook): the
 * decision runs inside the transaction, after the donation row is locked;
 * `decide` returns the refund to record, or undefined for none.
 */
export async function recordProviderRefund(
  deps: RefundDeps,
  donationId: string,
  decide: (tx: Queryable, donation: DonationRow) => Promise<(RefundRequest & { providerRefundId: string }) | undefined>,
): Promise<RefundResult | undefined> {
  const result = await deps.db.transaction(async (tx) => {
    const donation = await lockDonation(tx, donationId);
    const request = await decide(tx, donation);
    if (!request) return undefined;
    const refund = await reserveRefund(tx, donation, request);
    return applyRefund(tx, donation, refund.id, request.providerRefundId);
  });
  if (result) deps.outboxWritten();
  return result;
}
