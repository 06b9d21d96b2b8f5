import { randomUUID } from "node:crypto";
import { createEvent, type Money } from "@blessed-horizon/contracts";
import { ConflictError, NotFoundError, writeOutbox, type Queryable } from "@blessed-horizon/service-kit";
import { addRefunded, findDonation, insertRefund, type DonationRow } from "../db/donations.js";
import { insertLedgerGroups } from "../db/ledger.js";
import { refundGroup } from "../domain/ledger.js";
import { planRefund, RefundRefusedError } from "../domain/refunds.js";
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

/**
 * Refunds part or all of a PAID donation. The donation row is locked for the
 * whole decision, so concurrent refunds cannot together exceed what was
 * captured; the provider call uses the refund id as its idempotency key. The
 * refund, its reversing ledger group and `donation.refunded` commit together.
 */
export async function refundDonation(
  deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten">,
  donationId: string,
  request: { amount?: Money | undefined; reason?: string | undefined; providerRefundId?: string | undefined },
): Promise<RefundResult> {
  return (await refundDonationIf(deps, donationId, () => Promise.resolve(request)))!;
}

/**
 * The refund path with a decision inside the transaction, after the donation
 * row is locked: `decide` returns the refund to make, or undefined for none
 * (a provider event already applied, nothing left to record).
 */
export async function refundDonationIf(
  deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten">,
  donationId: string,
  decide: (tx: Queryable, donation: DonationRow) => Promise<{ amount?: Money | undefined; reason?: string | undefined; providerRefundId?: string | undefined } | undefined>,
): Promise<RefundResult | undefined> {
  const result = await deps.db.transaction(async (tx) => {
    const donation = await findDonation(tx, donationId, true);
    if (!donation) throw new NotFoundError(`donation ${donationId} does not exist`);
    const request = await decide(tx, donation);
    if (!request) return undefined;
    const currency = donation.currency.trim();
    let plan;
    try {
      plan = planRefund({ status: donation.status, currency, amount: Number(donation.amount), refunded: Number(donation.refunded) }, request.amount);
    } catch (error) {
      if (error instanceof RefundRefusedError) throw new ConflictError(error.message, { code: `BH_REFUND_${error.code.toUpperCase()}`, cause: error });
      throw error;
    }
    const id = randomUUID();
    const providerRefundId = request.providerRefundId
      ?? (await deps.provider.refund({ chargeId: donation.charge_id!, amount: plan.amount, reference: id })).refundId;
    const refund = await insertRefund(tx, { id, donationId, amount: plan.amount, currency, reason: request.reason ?? null, providerRefundId });
    await insertLedgerGroups(tx, [refundGroup({ provider: donation.provider, campaignId: donation.campaign_id, currency, amount: plan.amount })], { donationId, refundId: id });
    await addRefunded(tx, donationId, plan.refundedAfter, plan.statusAfter);
    await writeOutbox(tx, createEvent("donation.refunded", {
      ...donationRef(donation),
      refundId: id,
      amount: { amount: plan.amount, currency },
      totalRefunded: { amount: plan.refundedAfter, currency },
      captured: { amount: Number(donation.amount), currency },
    }));
    const updated = (await findDonation(tx, donationId))!;
    return { id, donationId, amount: { amount: plan.amount, currency }, reason: request.reason ?? null, createdAt: new Date(refund.created_at).toISOString(), donation: updated };
  });
  if (result) deps.outboxWritten();
  return result;
}
