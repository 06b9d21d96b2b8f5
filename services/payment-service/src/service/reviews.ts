import type { DomainEvent } from "@blessed-horizon/contracts";
import { findDonation } from "../db/donations.js";
import type { PaymentDeps } from "./deps.js";
import { captureAndSettle, releaseAndFail } from "./settle.js";

/**
 * Donations this process saw trust-service allow or block at once. Trust opens
 * a review only for a review verdict, so no `trust.decision` can change such
 * a donation: the event of its own assessment is skipped without a lookup
 * (one read fewer per donation). Bounded; an id forgotten, or an event
 * handled by another replica, only costs the lookup.
 */
export class DecidedAtOnce {
  readonly #ids = new Set<string>();
  constructor(private readonly max = 10_000) {}

  add(donationId: string): void {
    if (this.#ids.size >= this.max) this.#ids.clear();
    this.#ids.add(donationId);
  }

  /** True (once) when the donation was decided at once. */
  take(donationId: string): boolean {
    return this.#ids.delete(donationId);
  }
}

export class NotYetHeldError extends Error {
  override readonly name = "NotYetHeldError";
}

/**
 * A person decided a held donation (trust-service's review queue sends
 * `trust.decision` again with allow or block): allow captures the held
 * authorization, block releases it. A repeated event finds the donation
 * settled and changes nothing.
 */
export async function applyTrustDecision(deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten" | "decidedAtOnce">, event: DomainEvent<"trust.decision">): Promise<void> {
  const { kind, subjectId, decision } = event.data;
  if (kind !== "donation" || decision === "review" || deps.decidedAtOnce?.take(subjectId)) return;
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
