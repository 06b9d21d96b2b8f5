import type { Card } from "../domain/card.js";

export type DeclineCode = "card_declined" | "insufficient_funds" | "expired_card" | "incorrect_cvc" | "processing_error";

export type AuthorizeResult =
  | { outcome: "authorized"; authorizationId: string }
  | { outcome: "declined"; code: DeclineCode };

export interface CaptureResult {
  chargeId: string;
  /** What the processor keeps, in the charge's minor units. */
  fee: number;
}

/** An authorization captured at once (Stripe: a PaymentIntent with capture_method=automatic), or a decline. */
export type ChargeResult =
  | ({ outcome: "captured"; authorizationId: string } & CaptureResult)
  | { outcome: "declined"; code: DeclineCode };

/**
 * What the provider knows of the payment it made under a reference: Stripe
 * finds it by the metadata or idempotency key the PaymentIntent was created with.
 */
export interface ProviderPayment {
  state: "declined" | "held" | "captured" | "cancelled";
  authorizationId: string;
  declineCode?: DeclineCode | undefined;
  /** Set once captured. */
  capture?: CaptureResult | undefined;
}

/**
 * A payment processor. Every call takes a `reference` the provider uses as
 * its own idempotency key (Stripe's Idempotency-Key), so retrying a call after
 * a timeout never charges twice.
 */
export interface PaymentProvider {
  readonly name: string;
  /**
   * Authorizes and captures `amount` in one call (no hold): what an allowed
   * donation uses. A repeated reference answers what the first call did.
   */
  charge(input: { card: Card; amount: number; currency: string; reference: string }): Promise<ChargeResult>;
  /** Holds `amount` on the card (a donation in review; `capture` or `cancel` later). */
  authorize(input: { card: Card; amount: number; currency: string; reference: string }): Promise<AuthorizeResult>;
  /**
   * Takes the held money. `amount`, when given, is what the caller expects to
   * capture (the whole hold, as Stripe's `amount_to_capture`); a provider may
   * use it to skip reading the hold back.
   */
  capture(input: { authorizationId: string; reference: string; amount?: number | undefined }): Promise<CaptureResult>;
  /** Releases a hold that will not be captured. */
  cancel(input: { authorizationId: string; reference: string }): Promise<void>;
  /** Sends part of a captured charge back. */
  refund(input: { chargeId: string; amount: number; reference: string }): Promise<{ refundId: string }>;
  /** The payment authorized under `reference`, or undefined when the provider never saw that reference (after a crash: ask, do not guess). */
  findPayment(reference: string): Promise<ProviderPayment | undefined>;
  /** The refund made under `reference`, or undefined when none was made. */
  findRefund(reference: string): Promise<{ refundId: string } | undefined>;
}

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
