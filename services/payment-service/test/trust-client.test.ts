import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createVerifier, TokenError } from "@blessed-horizon/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpTrustClient, TrustUnavailableError } from "../src/clients/trust.js";

/**
 * payment-service's calls to trust-service carry the iss and aud that
 * trust-service's JWT_ISSUER and JWT_AUDIENCE demand (without them every
 * donation failed closed as soon as those were set). A stand-in trust-service
 * on 127.0.0.1 verifies the token with the kit's own verifier and answers a
 * verdict.
 */
const SECRET = "blessed-horizon-test-secret-0123456789abcdef";
const address = { issuer: "https://auth.blessedhorizon.org", audience: "blessed-horizon" };
const verifier = createVerifier({ JWT_SECRET: SECRET, JWKS_URL: undefined, JWT_ISSUER: address.issuer, JWT_AUDIENCE: address.audience, JWT_MAX_LIFETIME_SECONDS: 86_400, JWT_CLOCK_SKEW_SECONDS: 60 });
let server: Server;
let url = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^bearer /i, "");
    verifier.verify(token).then(
      () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ score: 5, decision: "allow", reasons: [] })),
      (error: unknown) => res.writeHead(401, { "content-type": "application/problem+json" }).end(JSON.stringify({ status: 401, detail: error instanceof TokenError ? error.message : "refused" })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const request = { kind: "donation" as const, donationId: "d1", campaignId: "c1", amount: { amount: 2500, currency: "USD" }, ip: "127.0.0.1", cardFingerprint: "f" };

describe("the trust client's service token", () => {
  it("carries the issuer and audience trust-service requires, and gets a verdict", async () => {
    await expect(httpTrustClient(url, SECRET, address).assess(request)).resolves.toMatchObject({ decision: "allow" });
  });

  it("without them trust-service refuses it, and the donation fails closed", async () => {
    await expect(httpTrustClient(url, SECRET).assess(request)).rejects.toBeInstanceOf(TrustUnavailableError);
  });
});
