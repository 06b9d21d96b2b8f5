import { randomUUID } from "node:crypto";
import type { Money } from "@blessed-horizon/contracts";
import { AppError, InputError, type Queryable } from "@blessed-horizon/service-kit";
import { findDonationByIdempotencyKey, getDonation, insertDonation, transitionDonation, type DonationRow, type DonationStart, type NewDonation } from "../db/donations.js";
import { cardSummary, isExpired, type Card } from "../domain/card.js";
import { ProviderError, type DeclineCode } from "../clients/provider.js";
import type { PaymentDeps } from "./deps.js";
import { settleCaptured, settleFailed } from "./settle.js";

export interface DonationRequest {
  campaignId: string;
  amount: Money;
  tipAmount?: Money | undefined;
  donorId?: string | undefined;
  email?: string | undefined;
  ip: string;
  card: Card;
  /** The caller-scoped Idempotency-Key, stored on the donation so a retry finds it. */
  idempotencyKey?: string | undefined;
}

const DECLINE_CODES = ["card_declined", "insufficient_funds", "expired_card", "incorrect_cvc", "processing_error"] as const;

/** The 402 a failed donation answers; reasons that are not Stripe's (abandoned, review_expired) read as a processing error. */
export function declinedError(donation: Pick<DonationRow, "id" | "failure_code">): PaymentDeclinedError {
  const code = donation.failure_code;
  const reason = code === "blocked" || DECLINE_CODES.includes(code as DeclineCode) ? (code as DeclineCode | "blocked") : "processing_error";
  return new PaymentDeclinedError(reason, donation.id);
}

/** 402 with Stripe's wording for card problems; a trust block gets one generic message (no hint for fraudsters). */
export class PaymentDeclinedError extends AppError {
  override name = "PaymentDeclinedError";
  constructor(readonly reason: DeclineCode | "blocked", readonly donationId: string) {
    super(402, reason === "blocked" ? "BH_PAYMENT_REFUSED" : `BH_${reason.toUpperCase()}`, "Payment Required", DECLINE_MESSAGES[reason]);
  }
}

const DECLINE_MESSAGES: Readonly<Record<DeclineCode | "blocked", string>> = {
  blocked: "The payment could not be processed.",
  card_declined: "Your card was declined.",
  insufficient_funds: "Your card has insufficient funds.",
  expired_card: "Your card has expired.",
  incorrect_cvc: "Your card's security code is incorrect.",
  processing_error: "An error occurred while processing your card. Try again in a little bit.",
};

/**
 * POST /api/v1/donations (ARCHITECTURE §2): the campaign must be active,
 * trust-service decides (block: nothing charged; review: the card is
 * authorized and held; allow: one provider call authorizes and captures), and
 * one statement writes PAID with the provider's answer, the ledger and
 * `donation.succeeded`. Each step's state and each provider answer are
 * committed before the next external call; whatever a crash leaves in
 * between, the reconciler settles by asking the provider.
 */
export async function createDonation(deps: PaymentDeps, request: DonationRequest): Promise<DonationRow> {
  const { amount, card } = request;
  const tip = request.tipAmount ?? { amount: 0, currency: amount.currency };
  if (amount.amount <= 0) throw new InputError("amount must be at least 1 minor unit", { errors: [{ in: "body", path: "/amount/amount", message: "must be positive" }] });
  if (tip.currency !== amount.currency) throw new InputError(`tipAmount must be in ${amount.currency}, like amount`, { errors: [{ in: "body", path: "/tipAmount/currency", message: `must be ${amount.currency}` }] });
  if (isExpired(card, deps.now?.() ?? new Date())) throw new InputError("the card has expired", { errors: [{ in: "body", path: "/card/expYear", message: "the card has expired" }] });

  const campaign = await deps.campaigns.getActiveCampaign(request.campaignId);
  if (campaign.goal && campaign.goal.currency !== amount.currency) {
    throw new InputError(`campaign ${campaign.id} takes ${campaign.goal.currency}, not ${amount.currency}`, { errors: [{ in: "body", path: "/amount/currency", message: `must be ${campaign.goal.currency}` }] });
  }
  const summary = cardSummary(card, deps.cardSecret);
  const row = {
    id: randomUUID(), campaign_id: campaign.id, organizer_id: campaign.organizerId ?? null, donor_id: request.donorId ?? null,
    email: request.email ?? null, ip: request.ip, currency: amount.currency, amount: amount.amount, tip: tip.amount,
    card_fingerprint: summary.fingerprint, card_last4: summary.last4, card_brand: summary.brand, provider: deps.provider.name,
    idempotency_key: request.idempotencyKey ?? null,
  };

  // The verdict before the first write: trust-service down stores nothing (the key is released with the 503), and an
  // allowed donation is inserted PROCESSING with its verdict in one commit. Nothing is charged before that commit, so
  // a crash before it leaves no donation and no charge (the key is held until abandoned, then runs again).
  const verdict = await deps.trust.assess({
    kind: "donation", donationId: row.id, campaignId: campaign.id, amount,
    ...(request.donorId ? { donorId: request.donorId } : {}), ...(request.email ? { email: request.email } : {}),
    ip: request.ip, cardFingerprint: summary.fingerprint,
  });
  const trust = { trust_score: verdict.score, trust_decision: verdict.decision, trust_reasons: verdict.reasons };
  if (verdict.decision !== "review") deps.decidedAtOnce?.add(row.id);
  if (verdict.decision === "block") {
    await deps.db.transaction(async (tx) => settleFailed(tx, await insertedOrEarlier(tx, row), "NEW", "blocked", trust));
    deps.outboxWritten();
    throw new PaymentDeclinedError("blocked", row.id);
  }
  const donation = await insertedOrEarlier(deps.db, row, { status: "PROCESSING", ...trust });

  const total = { card, amount: amount.amount + tip.amount, currency: amount.currency, reference: donation.id };
  if (verdict.decision === "review") {
    // Only a review needs a hold: authorized now, captured or released when a person decides.
    const authorization = await deps.provider.authorize(total).catch(async (error: unknown) => {
      await failAndNotify(deps, donation, "processing_error");
      throw error;
    });
    if (authorization.outcome === "declined") return declined(deps, donation, authorization.code);
    const held = await transitionDonation(deps.db, donation.id, "PROCESSING", "IN_REVIEW", { authorization_id: authorization.authorizationId });
    return held ?? getDonation(deps.db, donation.id);
  }
  // Allowed: one call authorizes and captures. A refusal (ProviderError) moved nothing; any other failure (a lost
  // answer, a timeout) may have taken the money, so the donation stays PROCESSING for the reconciler to ask.
  const charge = await deps.provider.charge(total).catch(async (error: unknown) => {
    if (error instanceof ProviderError) await failAndNotify(deps, donation, "processing_error");
    throw error;
  });
  if (charge.outcome === "declined") return declined(deps, donation, charge.code);
  const paid = await settleCaptured(deps, donation, "PROCESSING", charge);
  // Someone else settled it (a provider webhook raced us): answer the current state.
  return paid ?? getDonation(deps.db, donation.id);
}

/** The key's earlier request made a donation after all (its claim was released without a trace: see insertDonation). */
export class EarlierDonationError extends Error {
  override readonly name = "EarlierDonationError";
  constructor(readonly donation: DonationRow) {
    super(`the Idempotency-Key already made donation ${donation.id}`);
  }
}

/** On `db`, the caller's transaction when it has one: another connection would wait on it (PGlite has only one). */
async function insertedOrEarlier(db: Queryable, row: NewDonation, start?: DonationStart): Promise<DonationRow> {
  const inserted = await insertDonation(db, row, start);
  if (inserted) return inserted;
  const earlier = row.idempotency_key === null ? undefined : await findDonationByIdempotencyKey(db, row.idempotency_key);
  if (!earlier) throw new Error(`donation ${row.id} was neither inserted nor found under its Idempotency-Key`);
  throw new EarlierDonationError(earlier);
}

async function declined(deps: PaymentDeps, donation: DonationRow, code: DeclineCode): Promise<never> {
  await failAndNotify(deps, donation, code);
  throw new PaymentDeclinedError(code, donation.id);
}

async function failAndNotify(deps: PaymentDeps, donation: DonationRow, reason: string): Promise<void> {
  await deps.db.transaction((tx) => settleFailed(tx, donation, "PROCESSING", reason));
  deps.outboxWritten();
}
