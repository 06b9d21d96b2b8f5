import type { DonationRow } from "../db/donations.js";

/** A donation as the API shows it: money as {amount, currency}; the card only as brand and last four digits. */
export function donationView(d: DonationRow) {
  const money = (amount: number) => ({ amount: Number(amount), currency: d.currency.trim() });
  return {
    id: d.id,
    campaignId: d.campaign_id,
    status: d.status,
    amount: money(d.amount),
    tip: money(d.tip),
    fee: money(d.fee),
    refunded: money(d.refunded),
    donorId: d.donor_id,
    email: d.email,
    card: { brand: d.card_brand, last4: d.card_last4 },
    failureCode: d.failure_code,
    createdAt: new Date(d.created_at).toISOString(),
    paidAt: d.paid_at ? new Date(d.paid_at).toISOString() : null,
  };
}
export type DonationView = ReturnType<typeof donationView>;

/** The fields every donation event carries (absent values left out, as the contracts want). */
export function donationRef(d: DonationRow) {
  return {
    donationId: d.id,
    campaignId: d.campaign_id,
    ...(d.organizer_id ? { organizerId: d.organizer_id } : {}),
    ...(d.donor_id ? { donorId: d.donor_id } : {}),
    ...(d.email ? { email: d.email } : {}),
    ...(d.ip ? { ip: d.ip } : {}),
    cardFingerprint: d.card_fingerprint,
    cardLast4: d.card_last4,
  };
}
