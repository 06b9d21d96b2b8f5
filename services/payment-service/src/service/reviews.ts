import type { DomainEvent } from "@blessed-horizon/contracts";
import { findDonation } from "../db/donations.js";
import type { PaymentDeps } from "./deps.js";
import { captureAndSettle, releaseAndFail } from "./settle.js";

export const REVIEW_CONSUMER = "payment-service.reviews";

export class NotYetHeldError extends Error {
  override readonly name = "NotYetHeldError";
}

/**
 * A person decided a held donation (trust-service's review queue sends
 * `trust.decision` again with allow or block): allow captures the held
 * authorization, block releases it. A repeated event finds the donation
 * settled and changes nothing.
 */
export async function applyTrustDecision(deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten">, event: DomainEvent<"trust.decision">): Promise<void> {
  const { kind, subjectId, decision } = event.data;
  if (kind !== "donation" || decision === "review") return;
  const donation = await findDonation(deps.db, subjectId);
  if (!donation) return;
  // The first decision may arrive while the request is still running: ask for it again later.
  if (donation.status === "NEW" || (donation.status === "PROCESSING" && donation.trust_decision === "review")) {
    throw new NotYetHeldError(`donation ${donation.id} is ${donation.status}; its review decision waits`);
  }
  if (donation.status !== "IN_REVIEW" || !donation.authorization_id) return;
  // Provider calls never run inside a transaction; the conditional IN_REVIEW transition applies a decision once.
  if (decision === "allow") await captureAndSettle(deps, donation, "IN_REVIEW", donation.authorization_id);
  else await releaseAndFail(deps, donation, "IN_REVIEW", donation.authorization_id, "blocked");
}
