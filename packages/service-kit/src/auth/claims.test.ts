import type { FastifyInstance } from "fastify";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { createServiceApp } from "../http/app.js";
import { testConfig, TEST_JWT_SECRET } from "../testing/index.js";
import { createVerifier } from "./tokens.js";
import type { Verifier } from "./tokens.js";

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;
const DAY = 24 * HOUR;

/** A donor's token with exactly the claims given (no defaults), signed with the test secret. */
function token(claims: { iat?: number; exp?: number; iss?: string; aud?: string }): Promise<string> {
  return new SignJWT({ roles: ["donor"], ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("dora").sign(key);
}

async function appWith(db: Database, verifier?: Verifier): Promise<FastifyInstance> {
  const app = await createServiceApp({ name: "kit-test", version: "1.2.3", config: testConfig(), db, migrationsDir: await thingsMigrations(), verifier });
  app.get("/me", { onRequest: app.authenticate }, (request, reply) => reply.send(request.user));
  return app;
}

describe("token claims (HS256, default policy: exp required, at most 24 h, 60 s of clock skew)", () => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    app = await appWith(db);
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const call = (authorization: string) => app.inject({ url: "/me", headers: { authorization } });

  it.each([
    ["no exp", { iat: now() }, "token has no expiry: the exp claim is required"],
    ["exp in 100 years", { iat: now(), exp: now() + 100 * 365 * DAY }, "token lifetime is longer than the allowed 86400 s"],
    ["exp in 100 years and no iat", { exp: now() + 100 * 365 * DAY }, "token lifetime is longer than the allowed 86400 s"],
    ["a lifetime of 25 h", { iat: now(), exp: now() + 25 * HOUR }, "token lifetime is longer than the allowed 86400 s"],
    ["iat tomorrow", { iat: now() + DAY, exp: now() + DAY + HOUR }, "token is issued in the future (iat is more than 60 s ahead)"],
    ["exp two minutes ago", { iat: now() - HOUR, exp: now() - 120 }, "token has expired"],
  ])("refuses a token with %s: 401 problem+json naming the reason", async (_case, claims, detail) => {
    const response = await call(`Bearer ${await token(claims)}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(json(response)).toMatchObject({ code: "BH_UNAUTHORIZED", detail });
  });

  it("accepts a 24 h token, and clocks that differ by less than the skew", async () => {
    for (const claims of [
      { iat: now(), exp: now() + DAY },
      { iat: now() + 30, exp: now() + HOUR },
      { iat: now() - HOUR, exp: now() - 30 },
    ]) {
      expect((await call(`Bearer ${await token(claims)}`)).json()).toEqual({ sub: "dora", roles: ["donor"] });
    }
  });

  it("takes the scheme in any case (RFC 7235: it is case-insensitive)", async () => {
    const good = await token({ iat: now(), exp: now() + HOUR });
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      const response = await call(`${scheme} ${good}`);
      expect(response.statusCode, scheme).toBe(200);
      expect(response.json()).toEqual({ sub: "dora", roles: ["donor"] });
    }
    expect(json(await call(`Basic ${good}`)).detail).toBe("the Authorization header must be 'Bearer <JWT>'");
  });
});

describe("token claims with JWT_ISSUER and JWT_AUDIENCE set", () => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    app = await appWith(db, createVerifier(testConfig({ JWT_ISSUER: "https://id.blessed-horizon.example", JWT_AUDIENCE: "campaign-service" })));
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const iss = "https://id.blessed-horizon.example";
  const aud = "campaign-service";

  it.each([
    ["no iss", { aud }, "token has no issuer: the iss claim is required"],
    ["another issuer", { iss: "https://evil.example", aud }, "token issuer (iss) is not accepted"],
    ["no aud", { iss }, "token has no audience: the aud claim is required"],
    ["another audience", { iss, aud: "payment-service" }, "token audience (aud) is not accepted"],
  ])("refuses a token with %s", async (_case, claims, detail) => {
    const response = await app.inject({ url: "/me", headers: { authorization: `Bearer ${await token({ ...claims, iat: now(), exp: now() + HOUR })}` } });
    expect(response.statusCode).toBe(401);
    expect(json(response)).toMatchObject({ code: "BH_UNAUTHORIZED", detail });
    expect(response.body).not.toContain("evil.example");
    expect(response.body).not.toContain(iss);
  });

  it("accepts the configured issuer and audience", async () => {
    const response = await app.inject({ url: "/me", headers: { authorization: `bearer ${await token({ iss, aud, iat: now(), exp: now() + HOUR })}` } });
    expect(response.json()).toEqual({ sub: "dora", roles: ["donor"] });
  });
});

describe("JWT_MAX_LIFETIME_SECONDS and JWT_CLOCK_SKEW_SECONDS", () => {
  it("bound the lifetime and the skew the verifier accepts", async () => {
    const verifier = createVerifier(testConfig({ JWT_MAX_LIFETIME_SECONDS: "600", JWT_CLOCK_SKEW_SECONDS: "0" }));
    expect(await verifier.verify(await token({ iat: now(), exp: now() + 600 }))).toEqual({ sub: "dora", roles: ["donor"] });
    await expect(verifier.verify(await token({ iat: now(), exp: now() + 601 }))).rejects.toThrow("token lifetime is longer than the allowed 600 s");
    await expect(verifier.verify(await token({ iat: now() + 5, exp: now() + 60 }))).rejects.toThrow("token is issued in the future (iat is more than 0 s ahead)");
    await expect(verifier.verify(await token({ iat: now() - 60, exp: now() - 1 }))).rejects.toThrow("token has expired");
  });
});
