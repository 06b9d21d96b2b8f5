import { z } from "zod";
import { MoneySchema } from "../money.js";

/** Who gave and from where: what notification (receipts) and trust (velocity counters) need. Never a card number. */
const DonationRef = {
  donationId: z.string().min(1),
  campaignId: z.string().min(1),
  /** The campaign's organizer, when payment-service knew it (for the organizer's notice). */
  organizerId: z.string().optional(),
  donorId: z.string().optional(),
  email: z.email().optional(),
  ip: z.string().optional(),
  cardFingerprint: z.string().optional(),
  cardLast4: z.string().regex(/^\d{4}$/).optional(),
};

/** The charge was captured: `amount` goes to the campaign; `tip` to the platform; `fee` to the processor. */
export const DonationSucceededSchema = z.object({
  ...DonationRef,
  amount: MoneySchema,
  tip: MoneySchema,
  fee: MoneySchema,
});

/** The charge did not happen (declined, insufficient funds, blocked by trust). */
export const DonationFailedSchema = z.object({
  ...DonationRef,
  amount: MoneySchema,
  /** A stable code: card_declined, insufficient_funds, blocked, provider_error. */
  reason: z.string().min(1),
});

/** Part (or all) of a captured donation went back to the donor. */
export const DonationRefundedSchema = z.object({
  ...DonationRef,
  refundId: z.string().min(1),
  /** This refund. */
  amount: MoneySchema,
  /** All refunds of the donation so far, this one included. */
  totalRefunded: MoneySchema,
  /** The donation's captured amount. */
  captured: MoneySchema,
});

export type DonationSucceeded = z.infer<typeof DonationSucceededSchema>;
export type DonationFailed = z.infer<typeof DonationFailedSchema>;
export type DonationRefunded = z.infer<typeof DonationRefundedSchema>;
