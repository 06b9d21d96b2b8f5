import { describe, expect, it } from "vitest";
import { SandboxProvider } from "./sandbox.js";

const card = (number: string) => ({ number, expMonth: 12, expYear: 2034, cvc: "123" });

describe("sandbox provider", () => {
  it("authorizes and captures 4242..., once per reference, with Stripe's fee", async () => {
    const p = new SandboxProvider();
    const auth = await p.authorize({ card: card("4242424242424242"), amount: 1000, currency: "USD", reference: "d1" });
    expect(auth.outcome).toBe("authorized");
    if (auth.outcome !== "authorized") return;
    expect(await p.authorize({ card: card("4242424242424242"), amount: 1000, currency: "USD", reference: "d1" })).toEqual(auth);
    const capture = await p.capture({ authorizationId: auth.authorizationId, reference: "d1" });
    expect(await p.capture({ authorizationId: auth.authorizationId, reference: "d1" })).toEqual(capture);
    expect(capture.fee).toBe(59);
    expect(p.captures).toBe(1);
  });

  it("declines the test cards that decline", async () => {
    const p = new SandboxProvider();
    const codes = await Promise.all(["4000000000000002", "4000000000009995", "4000000000000069", "378282246310005"].map((n, i) =>
      p.authorize({ card: card(n), amount: 500, currency: "USD", reference: `r${i}` })));
    expect(codes).toEqual([
      { outcome: "declined", code: "card_declined" },
      { outcome: "declined", code: "insufficient_funds" },
      { outcome: "declined", code: "expired_card" },
      { outcome: "declined", code: "card_declined" },
    ]);
  });

  it("captures after a restart from the authorization id, refunds up to the charge, and cancels holds", async () => {
    const first = new SandboxProvider();
    const auth = await first.authorize({ card: card("4242424242424242"), amount: 700, currency: "EUR", reference: "d2" });
    if (auth.outcome !== "authorized") throw new Error("expected an authorization");
    const restarted = new SandboxProvider();
    const { chargeId } = await restarted.capture({ authorizationId: auth.authorizationId, reference: "d2" });
    await restarted.refund({ chargeId, amount: 500, reference: "re1" });
    await expect(restarted.refund({ chargeId, amount: 201, reference: "re2" })).rejects.toThrow(/exceed/);
    await expect(restarted.cancel({ authorizationId: auth.authorizationId, reference: "d2" })).rejects.toThrow(/captured/);
    const held = await first.authorize({ card: card("4242424242424242"), amount: 100, currency: "EUR", reference: "d3" });
    if (held.outcome !== "authorized") throw new Error("expected an authorization");
    await first.cancel({ authorizationId: held.authorizationId, reference: "d3" });
    await expect(first.capture({ authorizationId: held.authorizationId, reference: "d3" })).rejects.toThrow(/cancelled/);
    await expect(first.capture({ authorizationId: "nope", reference: "x" })).rejects.toThrow(/no authorization/);
  });
});
