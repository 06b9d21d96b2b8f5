import type { DonationStatus } from "./status.js";

export class RefundRefusedError extends Error {
  override readonly name = "RefundRefusedError";
  constructor(message: string, readonly code: "not_refundable" | "exceeds_captured" | "currency_mismatch") {
    super(message);
  }
}

export interface RefundableDonation {
  status: DonationStatus;
  currency: string;
  /** The donation amount captured for the campaign (the tip is the platform's and is not refunded here). */
  amount: number;
  refunded: number;
}

/**
 * Decides a refund request: how much to refund (everything left when no
 * amount is given) and the donation's status afterwards. The sum of refunds
 * never exceeds what was captured.
 */
export function planRefund(d: RefundableDonation, requested: { amount: number; currency: string } | undefined): { amount: number; statusAfter: DonationStatus; refundedAfter: number } {
  if (d.status !== "PAID") throw new RefundRefusedError(`a ${d.status} donation cannot be refunded`, "not_refundable");
  const remaining = d.amount - d.refunded;
  if (requested && requested.currency !== d.currency) {
    throw new RefundRefusedError(`the donation is in ${d.currency}, the refund in ${requested.currency}`, "currency_mismatch");
  }
  const amount = requested?.amount ?? remaining;
  if (amount <= 0) throw new RefundRefusedError("a refund must be at least 1 minor unit", "exceeds_captured");
  if (amount > remaining) {
    throw new RefundRefusedError(`refund of ${amount} exceeds the ${remaining} ${d.currency} still refundable (captured ${d.amount}, refunded ${d.refunded})`, "exceeds_captured");
  }
  const refundedAfter = d.refunded + amount;
  return { amount, refundedAfter, statusAfter: refundedAfter === d.amount ? "REFUNDED" : "PAID" };
}
