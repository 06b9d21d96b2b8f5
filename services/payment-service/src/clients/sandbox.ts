import { randomUUID } from "node:crypto";
import type { Database } from "@blessed-horizon/service-kit";
import { processorFee } from "../domain/fees.js";
import type { AuthorizeResult, CaptureResult, ChargeResult, DeclineCode, PaymentProvider, ProviderPayment } from "./provider.js";
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

interface ChargeRow {
  id: string;
  reference: string;
  amount: number;
  state: ProviderPayment["state"];
  decline_code: DeclineCode | null;
  charge_id: string | null;
  fee: number | null;
}

function toPayment(row: ChargeRow): ProviderPayment {
  return {
    state: row.state,
    authorizationId: row.id,
    ...(row.decline_code ? { declineCode: row.decline_code } : {}),
    ...(row.charge_id ? { capture: { chargeId: row.charge_id, fee: Number(row.fee) } } : {}),
  };
}

/**
 * A provider that moves no real money: test cards behave as on Stripe; any
 * other valid number is declined (as Stripe test mode does with real cards).
 * Like a real provider it keeps its own books (`sandbox_charges`,
 * `sandbox_refunds`), written in statements of its own and never inside the
 * service's transactions, so a crash of the service loses nothing it did, and
 * one reference is one payment: a repeated call returns the first result.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = "sandbox";
  constructor(private readonly db: Database) {}

  async charge(input: { card: { number: string }; amount: number; currency: string; reference: string }): Promise<ChargeResult> {
    // A hold made earlier under the reference is answered as what it is, never charged again.
    const payment = await this.#open(input, "captured");
    if (payment.declineCode) return { outcome: "declined", code: payment.declineCode };
    if (!payment.capture) throw new ProviderError(`sandbox: reference ${input.reference} is ${payment.state}, not a charge`);
    return { outcome: "captured", authorizationId: payment.authorizationId, ...payment.capture };
  }

  async authorize(input: { card: { number: string }; amount: number; currency: string; reference: string }): Promise<AuthorizeResult> {
    const payment = await this.#open(input, "held");
    return payment.declineCode ? { outcome: "declined", code: payment.declineCode } : { outcome: "authorized", authorizationId: payment.authorizationId };
  }

  /**
   * The payment of a reference, in one statement: a new one held or captured at once (or the card's decline), or,
   * for a repeated reference, what the first call did.
   */
  async #open(input: { card: { number: string }; amount: number; currency: string; reference: string }, state: "held" | "captured"): Promise<ProviderPayment> {
    const behaviour = SANDBOX_CARDS[input.card.number] ?? "card_declined";
    const declined = behaviour === "succeeds" ? null : behaviour;
    const id = randomUUID();
    const captured = state === "captured" && !declined;
    const { rows } = await this.db.query<ChargeRow>(
      `INSERT INTO sandbox_charges (id, reference, amount, currency, state, decline_code, charge_id, fee) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (reference) DO NOTHING RETURNING *`,
      [`auth_${id}`, input.reference, input.amount, input.currency, declined ? "declined" : state, declined, captured ? `ch_${id}` : null, captured ? processorFee(input.amount) : null],
    );
    const payment = rows[0] ? toPayment(rows[0]) : await this.findPayment(input.reference);
    if (payment === undefined) throw new ProviderError(`sandbox: the charge of reference ${input.reference} vanished`);
    return payment;
  }

  async capture(input: { authorizationId: string; reference: string; amount?: number | undefined }): Promise<CaptureResult> {
    if (input.amount !== undefined) {
      // The usual case in one statement: a hold of the expected amount, captured now.
      const { rows } = await this.db.query<ChargeRow>(
        `UPDATE sandbox_charges SET state = 'captured', charge_id = 'ch_' || substr(id, 6), fee = $3
          WHERE id = $1 AND state = 'held' AND amount = $2 RETURNING *`,
        [input.authorizationId, input.amount, processorFee(input.amount)],
      );
      const captured = rows[0] && toPayment(rows[0]).capture;
      if (captured) return captured;
    }
    const row = await this.#charge(input.authorizationId);
    if (row.state === "held") {
      await this.db.query("UPDATE sandbox_charges SET state = 'captured', charge_id = $2, fee = $3 WHERE id = $1 AND state = 'held'", [
        row.id, `ch_${row.id.slice(5)}`, processorFee(Number(row.amount)),
      ]);
    }
    const payment = toPayment(await this.#charge(input.authorizationId));
    if (!payment.capture) throw new ProviderError(`authorization ${input.authorizationId} is ${payment.state}`);
    return payment.capture;
  }

  async cancel(input: { authorizationId: string; reference: string }): Promise<void> {
    await this.db.query("UPDATE sandbox_charges SET state = 'cancelled' WHERE id = $1 AND state = 'held'", [input.authorizationId]);
    const row = await this.#charge(input.authorizationId);
    if (row.state !== "cancelled") throw new ProviderError(`authorization ${input.authorizationId} is already ${row.state}`);
  }

  async refund(input: { chargeId: string; amount: number; reference: string }): Promise<{ refundId: string }> {
    return this.db.transaction(async (tx) => {
      // The charge row lock orders refunds of one charge, so their sum is checked against what the others committed.
      const { rows } = await tx.query<ChargeRow & { refunded: number }>("SELECT * FROM sandbox_charges WHERE charge_id = $1 FOR UPDATE", [input.chargeId]);
      const charge = rows[0];
      if (!charge) throw new ProviderError(`no charge ${input.chargeId}`);
      const earlier = await tx.query<{ id: string }>("SELECT id FROM sandbox_refunds WHERE reference = $1", [input.reference]);
      if (earlier.rows[0]) return { refundId: earlier.rows[0].id };
      const refunded = Number(charge.refunded) + input.amount;
      if (refunded > Number(charge.amount)) throw new ProviderError(`refunds of ${refunded} exceed the charge of ${charge.amount}`);
      const refundId = `re_${randomUUID()}`;
      await tx.query("UPDATE sandbox_charges SET refunded = $2 WHERE id = $1", [charge.id, refunded]);
      await tx.query("INSERT INTO sandbox_refunds (id, reference, charge_id, amount) VALUES ($1, $2, $3, $4)", [refundId, input.reference, input.chargeId, input.amount]);
      return { refundId };
    });
  }

  async findPayment(reference: string): Promise<ProviderPayment | undefined> {
    const { rows } = await this.db.query<ChargeRow>("SELECT * FROM sandbox_charges WHERE reference = $1", [reference]);
    return rows[0] && toPayment(rows[0]);
  }

  async findRefund(reference: string): Promise<{ refundId: string } | undefined> {
    const { rows } = await this.db.query<{ id: string }>("SELECT id FROM sandbox_refunds WHERE reference = $1", [reference]);
    return rows[0] && { refundId: rows[0].id };
  }

  /** Captured charges so far (what the exactly-once tests count). */
  async captures(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sandbox_charges WHERE state = 'captured'");
    return Number(rows[0].n);
  }

  async #charge(authorizationId: string): Promise<ChargeRow> {
    const { rows } = await this.db.query<ChargeRow>("SELECT * FROM sandbox_charges WHERE id = $1", [authorizationId]);
    if (!rows[0]) throw new ProviderError(`no authorization ${authorizationId}`);
    return rows[0];
  }
}
