import { migrateService, type Database } from "@blessed-horizon/service-kit";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../app.js";
import { SandboxProvider } from "./sandbox.js";

const card = (number: string) => ({ number, expMonth: 12, expYear: 2034, cvc: "123" });

describe.each(testDatabases())("sandbox provider on $kind", ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
    await migrateService(db, migrationsDir);
  });
  afterAll(() => db.close());

  it("authorizes and captures 4242..., once per reference, with Stripe's fee", async () => {
    const p = new SandboxProvider(db);
    const auth = await p.authorize({ card: card("4242424242424242"), amount: 1000, currency: "USD", reference: "d1" });
    expect(auth.outcome).toBe("authorized");
    if (auth.outcome !== "authorized") return;
    expect(await p.authorize({ card: card("4242424242424242"), amount: 1000, currency: "USD", reference: "d1" })).toEqual(auth);
    const capture = await p.capture({ authorizationId: auth.authorizationId, reference: "d1" });
    expect(await p.capture({ authorizationId: auth.authorizationId, reference: "d1" })).toEqual(capture);
    expect(capture.fee).toBe(59);
    expect(await p.captures()).toBe(1);
  });

  it("captures in one statement when told the held amount: the same charge and fee, still once", async () => {
    const p = new SandboxProvider(db);
    const auth = await p.authorize({ card: card("5555555555554444"), amount: 2000, currency: "USD", reference: "d-fast" });
    if (auth.outcome !== "authorized") throw new Error("expected an authorization");
    const capture = await p.capture({ authorizationId: auth.authorizationId, reference: "d-fast", amount: 2000 });
    // 2.9% of 2000 is 58, plus 30.
    expect(capture).toEqual({ chargeId: `ch_${auth.authorizationId.slice(5)}`, fee: 88 });
    expect(await p.capture({ authorizationId: auth.authorizationId, reference: "d-fast", amount: 2000 })).toEqual(capture);
    expect(await p.findPayment("d-fast")).toEqual({ state: "captured", authorizationId: auth.authorizationId, capture });
    // A wrong expectation does not capture a second time or change the fee.
    expect(await p.capture({ authorizationId: auth.authorizationId, reference: "d-fast", amount: 1 })).toEqual(capture);
  });

  it("charges (authorizes and captures) in one call: once per reference, with Stripe's fee, and declines the cards that decline", async () => {
    const p = new SandboxProvider(db);
    const charged = await p.charge({ card: card("4242424242424242"), amount: 1000, currency: "USD", reference: "c1" });
    expect(charged).toEqual({ outcome: "captured", authorizationId: expect.stringMatching(/^auth_/) as string, chargeId: expect.stringMatching(/^ch_/) as string, fee: 59 });
    if (charged.outcome !== "captured") return;
    // A repeated reference answers what the first call did, without a second charge.
    const captures = await p.captures();
    expect(await p.charge({ card: card("4242424242424242"), amount: 1000, currency: "USD", reference: "c1" })).toEqual(charged);
    expect(await p.captures()).toBe(captures);
    expect(await p.findPayment("c1")).toEqual({ state: "captured", authorizationId: charged.authorizationId, capture: { chargeId: charged.chargeId, fee: 59 } });
    expect(await p.capture({ authorizationId: charged.authorizationId, reference: "c1" })).toEqual({ chargeId: charged.chargeId, fee: 59 });

    expect(await p.charge({ card: card("4000000000009995"), amount: 500, currency: "USD", reference: "c2" })).toEqual({ outcome: "declined", code: "insufficient_funds" });
    expect(await p.charge({ card: card("4242424242424242"), amount: 500, currency: "USD", reference: "c2" })).toEqual({ outcome: "declined", code: "insufficient_funds" });
    expect(await p.charge({ card: card("378282246310005"), amount: 500, currency: "USD", reference: "c3" })).toEqual({ outcome: "declined", code: "card_declined" });
    expect(await p.findPayment("c2")).toMatchObject({ state: "declined", declineCode: "insufficient_funds" });
    expect(await p.captures()).toBe(captures);
  });

  it("refuses to charge a reference that holds money (a hold is captured, not charged again)", async () => {
    const p = new SandboxProvider(db);
    const held = await p.authorize({ card: card("4242424242424242"), amount: 800, currency: "USD", reference: "c-held" });
    expect(held.outcome).toBe("authorized");
    await expect(p.charge({ card: card("4242424242424242"), amount: 800, currency: "USD", reference: "c-held" })).rejects.toThrow(/held/);
    expect(await p.findPayment("c-held")).toMatchObject({ state: "held" });
  });

  it("declines the test cards that decline", async () => {
    const p = new SandboxProvider(db);
    const codes = await Promise.all(["4000000000000002", "4000000000009995", "4000000000000069", "378282246310005"].map((n, i) =>
      p.authorize({ card: card(n), amount: 500, currency: "USD", reference: `r${i}` })));
    expect(codes).toEqual([
      { outcome: "declined", code: "card_declined" },
      { outcome: "declined", code: "insufficient_funds" },
      { outcome: "declined", code: "expired_card" },
      { outcome: "declined", code: "card_declined" },
    ]);
    expect(await p.findPayment("r1")).toMatchObject({ state: "declined", declineCode: "insufficient_funds" });
  });

  it("keeps its books across a restart: finds payments and refunds by reference, refunds up to the charge, cancels holds", async () => {
    const first = new SandboxProvider(db);
    const auth = await first.authorize({ card: card("4242424242424242"), amount: 700, currency: "EUR", reference: "d2" });
    if (auth.outcome !== "authorized") throw new Error("expected an authorization");
    const restarted = new SandboxProvider(db);
    expect(await restarted.findPayment("d2")).toEqual({ state: "held", authorizationId: auth.authorizationId });
    const { chargeId } = await restarted.capture({ authorizationId: auth.authorizationId, reference: "d2" });
    expect(await new SandboxProvider(db).findPayment("d2")).toMatchObject({ state: "captured", capture: { chargeId } });
    const refund = await restarted.refund({ chargeId, amount: 500, reference: "re1" });
    expect(await restarted.refund({ chargeId, amount: 500, reference: "re1" })).toEqual(refund);
    expect(await new SandboxProvider(db).findRefund("re1")).toEqual(refund);
    expect(await restarted.findRefund("re-never")).toBeUndefined();
    await expect(restarted.refund({ chargeId, amount: 201, reference: "re2" })).rejects.toThrow(/exceed/);
    await expect(restarted.cancel({ authorizationId: auth.authorizationId, reference: "d2" })).rejects.toThrow(/captured/);
    const held = await first.authorize({ card: card("4242424242424242"), amount: 100, currency: "EUR", reference: "d3" });
    if (held.outcome !== "authorized") throw new Error("expected an authorization");
    await first.cancel({ authorizationId: held.authorizationId, reference: "d3" });
    await expect(first.capture({ authorizationId: held.authorizationId, reference: "d3" })).rejects.toThrow(/cancelled/);
    await expect(first.capture({ authorizationId: "nope", reference: "x" })).rejects.toThrow(/no authorization/);
    expect(await first.findPayment("never-seen")).toBeUndefined();
  });
});
