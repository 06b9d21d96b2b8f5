import { describe, expect, it } from "vitest";
import { cardBrand, cardSummary, CardSchema, isExpired, passesLuhn } from "./card.js";
import { processorFee } from "./fees.js";
import { accounts, assertBalanced, captureGroups, refundGroup, UnbalancedGroupError } from "./ledger.js";
import { planSettlement } from "./reconcile.js";
import { planRefund, RefundRefusedError } from "./refunds.js";
import { assertTransition, canTransition, DONATION_STATUSES, IllegalTransitionError } from "./status.js";
import { signPayload, SignatureError, verifySignature } from "./webhook-signature.js";

describe("donation status machine", () => {
  it("reaches PAID only from PROCESSING or IN_REVIEW, and never leaves PAID except to REFUNDED", () => {
    const intoPaid = DONATION_STATUSES.filter((s) => canTransition(s, "PAID"));
    expect(intoPaid.sort()).toEqual(["IN_REVIEW", "PROCESSING"]);
    expect(DONATION_STATUSES.filter((s) => canTransition("PAID", s))).toEqual(["REFUNDED"]);
    expect(() => assertTransition("PAID", "PAID")).toThrow(IllegalTransitionError);
    expect(() => assertTransition("ERROR", "PROCESSING")).toThrow("a ERROR donation cannot become PROCESSING");
    expect(() => assertTransition("NEW", "PROCESSING")).not.toThrow();
  });
});

describe("cards", () => {
  it("accepts Stripe's test numbers with spaces and refuses typos", () => {
    expect(CardSchema.parse({ number: "4242 4242 4242 4242", expMonth: 12, expYear: 2034, cvc: "123" }).number).toBe("4242424242424242");
    expect(passesLuhn("4242424242424241")).toBe(false);
    expect(CardSchema.safeParse({ number: "4242424242424241", expMonth: 12, expYear: 2034, cvc: "123" }).success).toBe(false);
    expect(CardSchema.safeParse({ number: "4242", expMonth: 13, expYear: 2034, cvc: "1" }).error?.issues).toHaveLength(3);
  });

  it("keeps a keyed fingerprint and the last four digits, never the number", () => {
    const a = cardSummary({ number: "4242424242424242" }, "secret-one-0123456789");
    expect(a.last4).toBe("4242");
    expect(a.brand).toBe("visa");
    expect(a.fingerprint).not.toContain("4242424242424242");
    expect(cardSummary({ number: "4242424242424242" }, "secret-one-0123456789").fingerprint).toBe(a.fingerprint);
    expect(cardSummary({ number: "4242424242424242" }, "secret-two-0123456789").fingerprint).not.toBe(a.fingerprint);
    expect([cardBrand("5555555555554444"), cardBrand("378282246310005"), cardBrand("6011111111111117"), cardBrand("9999")]).toEqual(["mastercard", "amex", "discover", "unknown"]);
  });

  it("knows when a card has expired (valid through the end of its month)", () => {
    const now = new Date("2026-11-26T00:00:00Z");
    expect(isExpired({ expMonth: 11, expYear: 2026 }, now)).toBe(false);
    expect(isExpired({ expMonth: 10, expYear: 2026 }, now)).toBe(true);
    expect(isExpired({ expMonth: 1, expYear: 2025 }, now)).toBe(true);
  });
});

describe("processor fee", () => {
  it("is 2.9% + 30 minor units, rounded half up, nothing on nothing", () => {
    expect(processorFee(1000)).toBe(59);
    expect(processorFee(1050)).toBe(60); // 30.45 -> 30
    expect(processorFee(1724)).toBe(80); // 49.996 -> 50
    expect(processorFee(0)).toBe(0);
  });
});

describe("ledger", () => {
  it("writes the donation, the tip and the fee as separate balanced groups", () => {
    const groups = captureGroups({ provider: "sandbox", campaignId: "c1", currency: "USD", amount: 1000, tip: 150, fee: 63 });
    expect(groups.map((g) => g.kind)).toEqual(["donation", "tip", "processor_fee"]);
    groups.forEach(assertBalanced);
    expect(groups[0]?.entries).toContainEqual({ account: accounts.campaign("c1"), direction: "CREDIT", amount: 1000, currency: "USD" });
    expect(captureGroups({ provider: "sandbox", campaignId: "c1", currency: "USD", amount: 1000, tip: 0, fee: 0 })).toHaveLength(1);
  });

  it("reverses a refund with a new group and refuses unbalanced or non-integer groups", () => {
    const g = refundGroup({ provider: "sandbox", campaignId: "c1", currency: "EUR", amount: 400 });
    expect(g.entries[0]).toEqual({ account: "campaign:c1", direction: "DEBIT", amount: 400, currency: "EUR" });
    expect(() => assertBalanced({ kind: "refund", entries: [{ ...g.entries[0], amount: 401 }, g.entries[1]] })).toThrow(UnbalancedGroupError);
    expect(() => assertBalanced({ kind: "refund", entries: [{ ...g.entries[0], amount: 1.5 }] })).toThrow(RangeError);
  });
});

describe("refund plan", () => {
  const paid = { status: "PAID" as const, currency: "USD", amount: 1000, refunded: 0 };
  it("refunds what is left by default and marks REFUNDED when nothing is left", () => {
    expect(planRefund(paid, undefined)).toEqual({ amount: 1000, refundedAfter: 1000, statusAfter: "REFUNDED" });
    expect(planRefund({ ...paid, refunded: 600 }, { amount: 300, currency: "USD" })).toEqual({ amount: 300, refundedAfter: 900, statusAfter: "PAID" });
  });
  it("never exceeds the captured amount and refuses other currencies and unpaid donations", () => {
    expect(() => planRefund({ ...paid, refunded: 600 }, { amount: 401, currency: "USD" })).toThrow(/exceeds the 400 USD/);
    expect(() => planRefund(paid, { amount: 1, currency: "EUR" })).toThrow(RefundRefusedError);
    expect(() => planRefund({ ...paid, status: "IN_REVIEW" }, undefined)).toThrow(/IN_REVIEW donation cannot be refunded/);
    expect(() => planRefund({ ...paid, refunded: 1000, status: "PAID" }, undefined)).toThrow(/at least 1/);
  });
});

describe("webhook signature (Stripe scheme)", () => {
  const secret = "whsec_test_0123456789";
  const body = '{"id":"evt_1","type":"charge.succeeded"}';
  it("accepts its own signature within the tolerance, with several v1 values", () => {
    const header = signPayload(body, secret, 1_700_000_000);
    expect(() => verifySignature(body, header, secret, 1_700_000_299)).not.toThrow();
    expect(() => verifySignature(body, `${header},v1=${"0".repeat(64)}`, secret, 1_700_000_000)).not.toThrow();
  });
  it("refuses a changed body, another secret, an old timestamp, and malformed headers", () => {
    const header = signPayload(body, secret, 1_700_000_000);
    expect(() => verifySignature(`${body} `, header, secret, 1_700_000_000)).toThrow("no signature matches");
    expect(() => verifySignature(body, header, "whsec_other_0123456789", 1_700_000_000)).toThrow(SignatureError);
    expect(() => verifySignature(body, header, secret, 1_700_000_301)).toThrow(/tolerance/);
    expect(() => verifySignature(body, undefined, secret, 0)).toThrow(/missing/);
    expect(() => verifySignature(body, "v1=abc", secret, 0)).toThrow(/malformed/);
    expect(() => verifySignature(body, "t=1700000000,v1=ab", secret, 1_700_000_000)).toThrow("no signature matches");
  });
});

describe("settling what a crash left", () => {
  const held = { state: "held" as const, authorizationId: "auth_1" };
  it("records captured money whatever the donation says, and finishes a hold as the trust verdict said", () => {
    const captured = { ...held, state: "captured" as const, capture: { chargeId: "ch_1", fee: 59 } };
    expect(planSettlement({ status: "PROCESSING", trustDecision: "allow" }, captured)).toEqual({ action: "paid", chargeId: "ch_1", fee: 59, authorizationId: "auth_1" });
    expect(planSettlement({ status: "IN_REVIEW", trustDecision: "review" }, captured).action).toBe("paid");
    expect(planSettlement({ status: "PROCESSING", trustDecision: "allow" }, held)).toEqual({ action: "capture", authorizationId: "auth_1" });
    expect(planSettlement({ status: "PROCESSING", trustDecision: "review" }, held)).toEqual({ action: "hold", authorizationId: "auth_1" });
  });
  it("fails what the provider never charged, and releases holds nobody will capture", () => {
    expect(planSettlement({ status: "NEW", trustDecision: null }, undefined)).toEqual({ action: "fail", reason: "abandoned" });
    expect(planSettlement({ status: "PROCESSING", trustDecision: "allow" }, { ...held, state: "declined", declineCode: "insufficient_funds" })).toEqual({ action: "fail", reason: "insufficient_funds" });
    expect(planSettlement({ status: "NEW", trustDecision: null }, held)).toEqual({ action: "release", authorizationId: "auth_1", reason: "abandoned" });
    expect(planSettlement({ status: "IN_REVIEW", trustDecision: "review" }, held)).toEqual({ action: "release", authorizationId: "auth_1", reason: "review_expired" });
    expect(planSettlement({ status: "PAID", trustDecision: "allow" }, held)).toEqual({ action: "none" });
  });
});
