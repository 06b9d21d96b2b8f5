import { z } from "zod";

/**
 * ISO 4217 currencies whose minor unit is not 1/100 of the major unit.
 * Everything else has two decimals. Source: ISO 4217 list (as used by Stripe).
 */
const MINOR_UNIT_EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0,
  RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

/** Number of decimals of a currency's minor unit (0 for JPY, 3 for KWD, else 2). */
export function minorUnitExponent(currency: string): number {
  return MINOR_UNIT_EXPONENTS[currency] ?? 2;
}

/**
 * The ISO 4217 codes in circulation, from the ICU data Node ships (updated with
 * each Node release, so a new or withdrawn currency needs no code change here).
 * Test and precious-metal codes (XXX, XTS, XAU) are not in it, nor are made-up ones (ZZZ).
 */
const ISO_4217_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));

/** True when `code` is an ISO 4217 currency in circulation. */
export function isIsoCurrency(code: string): boolean {
  return ISO_4217_CODES.has(code);
}

export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code of three capital letters, e.g. USD")
  .refine(isIsoCurrency, "must be an ISO 4217 currency code in circulation, e.g. USD");

/**
 * An amount of money: integer minor units (cents for USD, yen for JPY) and its
 * currency. Never a float. Strict: `{amount, currency}` and nothing else, so a
 * misspelled or extra field is an error naming it rather than silently dropped.
 */
export const MoneySchema = z.strictObject({
  amount: z.number().int("must be an integer number of minor units").nonnegative().max(Number.MAX_SAFE_INTEGER),
  currency: CurrencySchema,
});
export type Money = z.infer<typeof MoneySchema>;

export class CurrencyMismatchError extends Error {
  override readonly name = "CurrencyMismatchError";
  constructor(readonly left: string, readonly right: string) {
    super(`cannot combine ${left} with ${right}`);
  }
}

export function money(amount: number, currency: string): Money {
  return MoneySchema.parse({ amount, currency });
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
  return { amount: a.amount + b.amount, currency: a.currency };
}

export function subtractMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
  return { amount: a.amount - b.amount, currency: a.currency };
}

/** Formats money for people: `formatMoney({amount: 1050, currency: "USD"})` is "10.50 USD". */
export function formatMoney(m: Money): string {
  const exponent = minorUnitExponent(m.currency);
  if (exponent === 0) return `${m.amount} ${m.currency}`;
  const sign = m.amount < 0 ? "-" : "";
  const digits = String(Math.abs(m.amount)).padStart(exponent + 1, "0");
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)} ${m.currency}`;
}

/**
 * A sum of minor units read from the database (pg sends bigint as text) as a
 * JSON-safe number, or undefined when it is not an integer within
 * ±Number.MAX_SAFE_INTEGER, where `Number()` would silently round it. Numbers
 * are checked too: rounding is monotonic and 2^53 is exact, so any integer
 * past the limit converts to an unsafe number and is caught.
 */
export function exactMinorUnits(value: string | number | bigint): number | undefined {
  if (typeof value === "string" && !/^-?\d+$/.test(value.trim())) return undefined;
  const exact = typeof value === "number" ? value : BigInt(typeof value === "string" ? value.trim() : value);
  if (typeof exact === "number") return Number.isSafeInteger(exact) ? exact : undefined;
  return exact <= BigInt(Number.MAX_SAFE_INTEGER) && exact >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(exact) : undefined;
}

/** True when `total + amount` is still at most Number.MAX_SAFE_INTEGER, so the API can return the new total exactly. */
export function staysExact(total: number, amount: number): boolean {
  return Number.isSafeInteger(total) && Number.isSafeInteger(amount) && BigInt(total) + BigInt(amount) <= BigInt(Number.MAX_SAFE_INTEGER);
}
