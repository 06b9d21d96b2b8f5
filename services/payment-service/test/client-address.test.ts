import { randomUUID } from "node:crypto";
import { openDatabase } from "@blessed-horizon/service-kit";
import { describe, expect, it } from "vitest";
import { CARD, usePayment } from "./harness.js";

// What trust-service's per-IP velocity rule counts: the donation's `ip`, from request.ip.
const campaigns = [{ id: "c-active", status: "active", organizerId: "org-1", goal: { amount: 100_000, currency: "USD" } }];
const SIDECAR = "127.0.0.6";

function donateFrom(h: ReturnType<typeof usePayment>, remoteAddress: string, xff: string) {
  return h.app.inject({
    method: "POST", url: "/api/v1/donations", remoteAddress,
    headers: { "idempotency-key": randomUUID(), "x-forwarded-for": xff },
    payload: { campaignId: "c-active", amount: { amount: 2500, currency: "USD" }, email: "ada@example.org", card: CARD },
  });
}

describe("the donor address sent to trust-service", () => {
  describe("with TRUST_PROXY set to the sidecar", () => {
    const h = usePayment(() => openDatabase({ memory: true }), { campaigns, env: { TRUST_PROXY: SIDECAR } });
    it("is the address the gateway appended to X-Forwarded-For, not the sidecar's or the client's own claim", async () => {
      const res = await donateFrom(h, SIDECAR, "6.6.6.6, 203.0.113.7");
      expect(res.statusCode).toBe(201);
      expect(h.stubs.assessments.at(-1)).toMatchObject({ ip: "203.0.113.7" });
      const { rows } = await h.db.query<{ ip: string }>("SELECT ip FROM donations");
      expect(rows.map((r) => r.ip)).toEqual(["203.0.113.7"]);
    });
  });

  describe("by default", () => {
    const h = usePayment(() => openDatabase({ memory: true }), { campaigns });
    it("is the TCP peer, whatever X-Forwarded-For says", async () => {
      const res = await donateFrom(h, SIDECAR, "203.0.113.7");
      expect(res.statusCode).toBe(201);
      expect(h.stubs.assessments.at(-1)).toMatchObject({ ip: SIDECAR });
    });
  });
});
