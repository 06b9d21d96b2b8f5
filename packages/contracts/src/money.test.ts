import { describe, expect, it } from "vitest";
import { addMoney, CurrencyMismatchError, exactMinorUnits, formatMoney, MoneySchema, staysExact, subtractMoney } from "./index.js";

describe("money", () => {
  it("accepts integer minor units and an ISO 4217 code", () => {
    expect(MoneySchema.parse({ amount: 1050, currency: "USD" })).toEqual({ amount: 1050, currency: "USD" });
  });

  it("refuses floats, negative amounts and lower-case currencies", () => {
    expect(MoneySchema.safeParse({ amount: 10.5, currency: "USD" }).success).toBe(false);
    expect(MoneySchema.safeParse({ amount: -1, currency: "USD" }).success).toBe(false);
    expect(MoneySchema.safeParse({ amount: 1, currency: "usd" }).success).toBe(false);
  });

  it("refuses three capital letters that are not an ISO 4217 currency (ZZZ, the test code XXX)", () => {
    for (const currency of ["ZZZ", "XXX", "ABC"]) {
      const result = MoneySchema.safeParse({ amount: 1, currency });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]).toMatchObject({ path: ["currency"], message: expect.stringContaining("ISO 4217") });
    }
    for (const currency of ["USD", "EUR", "JPY", "KWD", "CHF"]) expect(MoneySchema.safeParse({ amount: 1, currency }).success).toBe(true);
  });

  it("refuses unknown fields inside money, naming them", () => {
    const result = MoneySchema.safeParse({ amount: 1, currency: "USD", cents: 5 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["cents"] });
  });

  it("formats two-, zero- and three-decimal currencies", () => {
    expect(formatMoney({ amount: 1050, currency: "USD" })).toBe("10.50 USD");
    expect(formatMoney({ amount: 5, currency: "EUR" })).toBe("0.05 EUR");
    expect(formatMoney({ amount: 1050, currency: "JPY" })).toBe("1050 JPY");
    expect(formatMoney({ amount: 1050, currency: "KWD" })).toBe("1.050 KWD");
    expect(formatMoney({ amount: -250, currency: "USD" })).toBe("-2.50 USD");
  });

  it("adds and subtracts only within one currency", () => {
    expect(addMoney({ amount: 1, currency: "USD" }, { amount: 2, currency: "USD" }).amount).toBe(3);
    expect(subtractMoney({ amount: 5, currency: "USD" }, { amount: 2, currency: "USD" }).amount).toBe(3);
    expect(() => addMoney({ amount: 1, currency: "USD" }, { amount: 2, currency: "EUR" })).toThrow(CurrencyMismatchError);
  });

  it("reads database sums exactly, and never as a rounded number", () => {
    expect(exactMinorUnits("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
    expect(exactMinorUnits(" -42 ")).toBe(-42);
    expect(exactMinorUnits(12n)).toBe(12);
    expect(exactMinorUnits("9007199254740992")).toBeUndefined();
    expect(exactMinorUnits("9007199254740993")).toBeUndefined();
    expect(exactMinorUnits(2n ** 53n)).toBeUndefined();
    expect(exactMinorUnits(2 ** 53)).toBeUndefined();
    expect(exactMinorUnits("1.5")).toBeUndefined();
    expect(exactMinorUnits("")).toBeUndefined();
  });

  it("tells whether a total plus an amount stays exact", () => {
    expect(staysExact(Number.MAX_SAFE_INTEGER - 100, 100)).toBe(true);
    expect(staysExact(Number.MAX_SAFE_INTEGER - 100, 101)).toBe(false);
    expect(staysExact(2 ** 53, 0)).toBe(false);
  });
});
