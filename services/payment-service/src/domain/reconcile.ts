import type { ProviderPayment } from "../clients/provider.js";
import type { DonationStatus } from "./status.js";

/** What the reconciler does with a donation a crash (or an unanswered review) left behind. */
export type Settlement =
  | { action: "paid"; chargeId: string; fee: number; authorizationId: string }
  | { action: "capture"; authorizationId: string }
  | { action: "hold"; authorizationId: string }
  | { action: "release"; authorizationId: string; reason: string }
  | { action: "fail"; reason: string }
  | { action: "none" };

/**
 * Decides from what the provider knows of a donation (looked up by its id,
 * the reference every provider call used) how to finish it. NEW and
 * PROCESSING donations come here once their request is taken to be dead:
 * captured money is recorded, a hold is finished as the trust verdict said
 * (allow: capture; review: wait for a person), nothing at the provider means
 * nothing was charged. IN_REVIEW donations come here past their review
 * window: the hold is released.
 */
export function planSettlement(donation: { status: DonationStatus; trustDecision: string | null }, payment: ProviderPayment | undefined): Settlement {
  if (payment?.capture) return { action: "paid", ...payment.capture, authorizationId: payment.authorizationId };
  if (donation.status === "IN_REVIEW") {
    return payment?.state === "held" ? { action: "release", authorizationId: payment.authorizationId, reason: "review_expired" } : { action: "fail", reason: "review_expired" };
  }
  if (donation.status !== "NEW" && donation.status !== "PROCESSING") return { action: "none" };
  if (!payment || payment.state === "cancelled") return { action: "fail", reason: "abandoned" };
  if (payment.state === "declined") return { action: "fail", reason: payment.declineCode ?? "card_declined" };
  if (donation.trustDecision === "allow") return { action: "capture", authorizationId: payment.authorizationId };
  if (donation.trustDecision === "review") return { action: "hold", authorizationId: payment.authorizationId };
  return { action: "release", authorizationId: payment.authorizationId, reason: "abandoned" };
}
