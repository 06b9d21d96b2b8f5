import { exportJWK, generateKeyPair, SignJWT, createLocalJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { bearer, TEST_JWT_SECRET } from "../testing/index.js";
import { createHmacVerifier, createJwksVerifier, signServiceToken, signToken, TokenError } from "./tokens.js";
import type { FastifyInstance } from "fastify";

describe("tokens", () => {
  it("round-trips sub and roles, and explains what is wrong with a bad token", async () => {
    const verifier = createHmacVerifier(TEST_JWT_SECRET);
    expect(await verifier.verify(await signToken({ sub: "alice", roles: ["organizer", "organizer"] }, TEST_JWT_SECRET))).toEqual({
      sub: "alice",
      roles: ["organizer"],
    });
    await expect(verifier.verify(await signToken({ sub: "a", roles: [] }, TEST_JWT_SECRET, -120))).rejects.toThrow("token has expired");
    await expect(verifier.verify(await signToken({ sub: "a", roles: [] }, "another-secret-that-is-long-enough!!"))).rejects.toThrow(
      "token signature is invalid",
    );
    const noneAlg = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"a","roles":["admin"]}').toString("base64url")}.`;
    await expect(verifier.verify(noneAlg)).rejects.toBeInstanceOf(TokenError);
    const badRoles = await new SignJWT({ roles: ["superuser"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("a")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect(verifier.verify(badRoles)).rejects.toThrow("token claims are invalid");
  });

  it("signs service tokens as admin under the service's name", async () => {
    const user = await createHmacVerifier(TEST_JWT_SECRET).verify(await signServiceToken("payment-service", TEST_JWT_SECRET));
    expect(user).toEqual({ sub: "payment-service", roles: ["admin"] });
  });

  it("verifies asymmetric tokens against a JWKS", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    const verifier = createJwksVerifier("https://id.example/jwks.json", createLocalJWKSet({ keys: [jwk] }));
    const token = await new SignJWT({ roles: ["trust"] })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setSubject("tara")
      .setExpirationTime("5m")
      .sign(privateKey);
    expect(await verifier.verify(token)).toEqual({ sub: "tara", roles: ["trust"] });
    await expect(verifier.verify(await signToken({ sub: "x", roles: ["admin"] }, TEST_JWT_SECRET))).rejects.toThrow(
      "token algorithm is not allowed",
    );
  });
});

describe("auth hooks", () => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    app = await kitApp(db, await thingsMigrations());
    app.get("/me", { onRequest: app.authenticate }, (request, reply) => reply.send(request.user));
    app.get("/maybe", { onRequest: app.identify }, (request, reply) => reply.send({ user: request.user ?? null }));
    app.post("/reviews", { onRequest: app.requireRole("trust") }, (_request, reply) => reply.send({ ok: true }));
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it("401s a missing, malformed, expired or forged token with a reason", async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, "this endpoint needs an Authorization: Bearer <token> header"],
      [{ authorization: "Basic YWxpY2U6cHc=" }, "the Authorization header must be 'Bearer <JWT>'"],
      [await bearer({ sub: "a", roles: ["donor"] }, TEST_JWT_SECRET, -120), "token has expired"],
      [await bearer({ sub: "a", roles: ["donor"] }, "forged-secret-forged-secret-forged-secret"), "token signature is invalid"],
    ];
    for (const [headers, detail] of cases) {
      const response = await app.inject({ url: "/me", headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(json(response)).toMatchObject({ code: "BH_UNAUTHORIZED", detail });
    }
    expect((await app.inject({ url: "/me", headers: await bearer({ sub: "alice", roles: ["donor"] }) })).json()).toEqual({
      sub: "alice",
      roles: ["donor"],
    });
  });

  it("lets anonymous callers through identify, but not bad tokens", async () => {
    expect((await app.inject("/maybe")).json()).toEqual({ user: null });
    expect((await app.inject({ url: "/maybe", headers: { authorization: "Bearer x.y.z" } })).statusCode).toBe(401);
  });

  it("403s the wrong role; admin passes every role check", async () => {
    const donor = await app.inject({ method: "POST", url: "/reviews", headers: await bearer({ sub: "d", roles: ["donor"] }) });
    expect(donor.statusCode).toBe(403);
    expect(json(donor)).toMatchObject({ code: "BH_FORBIDDEN", detail: "this action needs the role trust" });
    expect((await app.inject({ method: "POST", url: "/reviews" })).statusCode).toBe(401);
    expect((await app.inject({ method: "POST", url: "/reviews", headers: await bearer({ sub: "t", roles: ["trust"] }) })).statusCode).toBe(200);
    expect((await app.inject({ method: "POST", url: "/reviews", headers: await bearer({ sub: "root", roles: ["admin"] }) })).statusCode).toBe(200);
  });
});
