import { randomUUID } from "node:crypto";
import { openDatabase } from "@blessed-horizon/service-kit";
import { describe, expect, it } from "vitest";
import { CARD, usePayment } from "./harness.js";

/** MAX_DONATION_MINOR is the cap the API enforces (the routes were built with the default whatever it said). */
describe("the per-donation cap from the configuration", () => {
  const h = usePayment(() => openDatabase({ memory: true }), {
    campaigns: [
      { id: "c1", status: "active", organizerId: "o", goal: { amount: 100_000, currency: "USD" } },
    ],
    env: { MAX_DONATION_MINOR: "5000" },
  });

  const donate = (amount: number) =>
    h.app.inject({
      method: "POST",
      url: "/api/v1/donations",
      headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
      payload: JSON.stringify({ campaignId: "c1", amount: { amount, currency: "USD" }, email: "cap@example.org", card: CARD }),
    });

  it("refuses one minor unit over MAX_DONATION_MINOR with a 400 naming the cap, and takes exactly the cap", async () => {
    const over = await donate(5001);
    expect(over.statusCode).toBe(400);
    expect(over.body).toContain("5000");
    expect((await donate(5000)).statusCode).toBe(201);
  });
});
