/** A donation's lifecycle. PAID is reached at most once: nothing leads back to PROCESSING or IN_REVIEW from PAID. */
export const DONATION_STATUSES = ["NEW", "PROCESSING", "PAID", "ERROR", "IN_REVIEW", "REFUNDED"] as const;
export type DonationStatus = (typeof DONATION_STATUSES)[number];

const NEXT: Readonly<Record<DonationStatus, readonly DonationStatus[]>> = {
  NEW: ["PROCESSING", "ERROR"],
  // PROCESSING -> IN_REVIEW: the card was authorized but trust-service wants a person to look first.
  PROCESSING: ["PAID", "ERROR", "IN_REVIEW"],
  IN_REVIEW: ["PAID", "ERROR"],
  // PAID -> REFUNDED only when everything captured went back; partial refunds keep PAID.
  PAID: ["REFUNDED"],
  ERROR: [],
  REFUNDED: [],
};

export function canTransition(from: DonationStatus, to: DonationStatus): boolean {
  return NEXT[from].includes(to);
}

export class IllegalTransitionError extends Error {
  override readonly name = "IllegalTransitionError";
  constructor(readonly from: DonationStatus, readonly to: DonationStatus) {
    super(`a ${from} donation cannot become ${to}`);
  }
}

/** Checks a transition; the caller writes it with `UPDATE ... WHERE status = from`, so two writers cannot both win. */
export function assertTransition(from: DonationStatus, to: DonationStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}
