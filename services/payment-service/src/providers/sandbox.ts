import { randomUUID } from "node:crypto";
import { processorFee } from "../domain/fees.js";
import type { AuthorizeResult, CaptureResult, DeclineCode, PaymentProvider } from "./provider.js";
import { ProviderError } from "./provider.js";

/** Stripe's documented test cards (https://docs.stripe.com/testing) and what the sandbox does with them. */
export const SANDBOX_CARDS: Readonly<Record<string, DeclineCode | "succeeds">> = {
  "4242424242424242": "succeeds",
  "5555555555554444": "succeeds",
  "4000000000000002": "card_declined",
  "4000000000009995": "insufficient_funds",
  "4000000000000069": "expired_card",
  "4000000000000127": "incorrect_cvc",
  "4000000000000119": "processing_error",
};

interface Hold {
  amount: number;
  currency: string;
  state: "held" | "captured" | "cancelled";
  capture?: CaptureResult;
}

/**
 * A provider that moves no real money: test cards behave as on Stripe; any
 * other valid number is declined (as Stripe test mode does with real cards).
 * It remembers every reference, so a repeated call returns the first result,
 * and counts charges (what the exactly-once tests look at).
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = "sandbox";
  readonly #holds = new Map<string, Hold>();
  readonly #byReference = new Map<string, unknown>();
  readonly #refunded = new Map<string, number>();
  readonly #chargeAmounts = new Map<string, number>();
  /** Captures performed: one per charged donation. */
  captures = 0;

  authorize(input: { card: { number: string }; amount: number; currency: string; reference: string }): Promise<AuthorizeResult> {
    return this.#once(`authorize:${input.reference}`, () => {
      const behaviour = SANDBOX_CARDS[input.card.number] ?? "card_declined";
      if (behaviour !== "succeeds") return { outcome: "declined", code: behaviour };
      // The id carries the amount, so a capture still works after the service restarted.
      const authorizationId = `auth_${input.amount}_${input.currency}_${randomUUID()}`;
      this.#holds.set(authorizationId, { amount: input.amount, currency: input.currency, state: "held" });
      return { outcome: "authorized", authorizationId };
    });
  }

  capture(input: { authorizationId: string; reference: string }): Promise<CaptureResult> {
    return this.#once(`capture:${input.reference}`, () => {
      const hold = this.#hold(input.authorizationId);
      if (hold.state === "captured" && hold.capture) return hold.capture;
      if (hold.state !== "held") throw new ProviderError(`authorization ${input.authorizationId} is ${hold.state}`);
      hold.state = "captured";
      this.captures += 1;
      hold.capture = { chargeId: `ch_${input.authorizationId.slice(5)}`, fee: processorFee(hold.amount) };
      this.#chargeAmounts.set(hold.capture.chargeId, hold.amount);
      this.#refunded.set(hold.capture.chargeId, 0);
      return hold.capture;
    });
  }

  cancel(input: { authorizationId: string; reference: string }): Promise<void> {
    return this.#once(`cancel:${input.reference}`, () => {
      const hold = this.#hold(input.authorizationId);
      if (hold.state === "captured") throw new ProviderError(`authorization ${input.authorizationId} is already captured`);
      hold.state = "cancelled";
      return undefined;
    });
  }

  refund(input: { chargeId: string; amount: number; reference: string }): Promise<{ refundId: string }> {
    return this.#once(`refund:${input.reference}`, () => {
      const match = /^ch_(\d+)_/.exec(input.chargeId);
      const charged = this.#chargeAmounts.get(input.chargeId) ?? (match ? Number(match[1]) : undefined);
      if (charged === undefined) throw new ProviderError(`no charge ${input.chargeId}`);
      const refunded = (this.#refunded.get(input.chargeId) ?? 0) + input.amount;
      if (refunded > charged) throw new ProviderError(`refunds of ${refunded} exceed the charge of ${charged}`);
      this.#refunded.set(input.chargeId, refunded);
      return { refundId: `re_${randomUUID()}` };
    });
  }

  #hold(id: string): Hold {
    let hold = this.#holds.get(id);
    const match = /^auth_(\d+)_([A-Z]{3})_[0-9a-f-]{36}$/.exec(id);
    if (!hold && match) {
      hold = { amount: Number(match[1]), currency: match[2] ?? "", state: "held" };
      this.#holds.set(id, hold);
    }
    if (!hold) throw new ProviderError(`no authorization ${id}`);
    return hold;
  }

  #once<T>(key: string, run: () => T): Promise<T> {
    if (this.#byReference.has(key)) return Promise.resolve(this.#byReference.get(key) as T);
    try {
      const result = run();
      this.#byReference.set(key, result);
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new ProviderError(String(error)));
    }
  }
}
