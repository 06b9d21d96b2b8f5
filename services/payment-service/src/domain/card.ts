import { createHmac } from "node:crypto";
import { z } from "zod";

/** Luhn check digit (ISO/IEC 7812): catches typos before the provider does. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Card details as a client sends them. Spaces and dashes in the number are
 * allowed ("4242 4242 4242 4242"). Strict: an unknown field is a 400 naming it.
 */
export const CardSchema = z.strictObject({
  number: z
    .string()
    .transform((s) => s.replace(/[\s-]/g, ""))
    .pipe(z.string().regex(/^\d{12,19}$/, "must be 12 to 19 digits").refine(passesLuhn, "is not a valid card number")),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int().min(2000).max(2100),
  cvc: z.string().regex(/^\d{3,4}$/, "must be 3 or 4 digits"),
});
export type Card = z.infer<typeof CardSchema>;

/** True when the card's last valid month is before `now`'s month. */
export function isExpired(card: Pick<Card, "expMonth" | "expYear">, now: Date): boolean {
  const year = now.getUTCFullYear();
  return card.expYear < year || (card.expYear === year && card.expMonth < now.getUTCMonth() + 1);
}

/**
 * What we keep of a card: never the number. The fingerprint is an HMAC of the
 * number under a server secret, so the same card gives the same fingerprint
 * (trust rules, suspended cards) but the number cannot be recovered from it.
 */
export function cardSummary(card: Pick<Card, "number">, secret: string): { fingerprint: string; last4: string; brand: string } {
  return {
    fingerprint: createHmac("sha256", secret).update(card.number).digest("hex").slice(0, 32),
    last4: card.number.slice(-4),
    brand: cardBrand(card.number),
  };
}

export function cardBrand(number: string): string {
  if (number.startsWith("4")) return "visa";
  if (/^(5[1-5]|2[2-7])/.test(number)) return "mastercard";
  if (/^3[47]/.test(number)) return "amex";
  if (/^6(011|5)/.test(number)) return "discover";
  return "unknown";
}
