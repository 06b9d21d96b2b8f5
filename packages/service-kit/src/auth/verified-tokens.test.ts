import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import type { JWTVerifyGetKey } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testConfig, TEST_JWT_SECRET } from "../testing/index.js";
import { createJwksVerifier, createVerifier } from "./tokens.js";
import { VerifiedTokens } from "./verified-tokens.js";

const now = () => Math.floor(Date.now() / 1000);
type Signer = Parameters<SignJWT["sign"]>[0];

/** An ES256 key pair under kid k1, a JWKS of its public key whose key lookups (one per signature jose checks) are counted. */
async function countingJwks(): Promise<{ privateKey: Signer; getKey: JWTVerifyGetKey; lookups: () => number }> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" }] });
  let lookups = 0;
  const getKey: JWTVerifyGetKey = (header, token) => {
    lookups += 1;
    return jwks(header, token);
  };
  return { privateKey, getKey, lookups: () => lookups };
}

function es256(key: Signer, claims: { exp: number; iat?: number; aud?: string }, sub = "payment-service"): Promise<string> {
  return new SignJWT({ roles: ["admin"], ...claims }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject(sub).sign(key);
}

function hs256(claims: { exp: number; iat: number }): Promise<string> {
  return new SignJWT({ roles: ["donor"], ...claims }).setProtectedHeader({ alg: "HS256" }).setSubject("dora").sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

describe("verified tokens are remembered", () => {
  let keys: Awaited<ReturnType<typeof countingJwks>>;
  beforeAll(async () => {
    keys = await countingJwks();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("does not verify the signature again for a second call with the same token", async () => {
    const verifier = createJwksVerifier("https://id.example/jwks.json", keys.getKey);
    const token = await es256(keys.privateKey, { iat: now(), exp: now() + 300 });
    const before = keys.lookups();
    expect(await verifier.verify(token)).toEqual({ sub: "payment-service", roles: ["admin"] });
    expect(await verifier.verify(token)).toEqual({ sub: "payment-service", roles: ["admin"] });
    expect(await verifier.verify(token)).toEqual({ sub: "payment-service", roles: ["admin"] });
    expect(keys.lookups() - before).toBe(1);
    // another token (another string) is verified on its own
    await verifier.verify(await es256(keys.privateKey, { iat: now(), exp: now() + 300 }, "trust-service"));
    expect(keys.lookups() - before).toBe(2);
  });

  it("never remembers a token with a bad signature, not even one whose header and claims a good token has", async () => {
    const verifier = createJwksVerifier("https://id.example/jwks.json", keys.getKey);
    const claims = { iat: now(), exp: now() + 300 };
    const good = await es256(keys.privateKey, claims);
    const impostor = await countingJwks();
    const forged = await es256(impostor.privateKey, claims);
    const [header, payload] = good.split(".");
    expect(forged.split(".").slice(0, 2)).toEqual([header, payload]);
    await verifier.verify(good);
    const before = keys.lookups();
    for (let attempt = 0; attempt < 3; attempt++) await expect(verifier.verify(forged)).rejects.toThrow("token signature is invalid");
    expect(keys.lookups() - before).toBe(3);
    const tampered = `${header}.${payload}.${"A".repeat(86)}`;
    for (let attempt = 0; attempt < 2; attempt++) await expect(verifier.verify(tampered)).rejects.toThrow("token signature is invalid");
  });

  it("refuses a remembered token once it has expired, with the configured clock skew still allowed", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-01T12:00:00Z") });
    const verifier = createVerifier(testConfig({ JWT_CLOCK_SKEW_SECONDS: "20" }));
    const token = await hs256({ iat: now(), exp: now() + 30 });
    expect(await verifier.verify(token)).toEqual({ sub: "dora", roles: ["donor"] });
    vi.setSystemTime(Date.now() + 49_000); // 19 s past exp: within the skew
    expect(await verifier.verify(token)).toEqual({ sub: "dora", roles: ["donor"] });
    vi.setSystemTime(Date.now() + 1_000); // 20 s past exp
    await expect(verifier.verify(token)).rejects.toThrow("token has expired");
    await expect(verifier.verify(token)).rejects.toThrow("token has expired");
  });

  it("checks a remembered token again after a minute however long it lives (a key dropped from the JWKS stops counting)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-01T12:00:00Z") });
    const verifier = createJwksVerifier("https://id.example/jwks.json", keys.getKey);
    const token = await es256(keys.privateKey, { iat: now(), exp: now() + 3600 });
    const before = keys.lookups();
    await verifier.verify(token);
    vi.setSystemTime(Date.now() + 59_000);
    await verifier.verify(token);
    expect(keys.lookups() - before).toBe(1);
    vi.setSystemTime(Date.now() + 1_000);
    await verifier.verify(token);
    expect(keys.lookups() - before).toBe(2);
  });

  it("keeps the audience check: a verifier with JWT_AUDIENCE refuses a token another verifier accepted", async () => {
    const open = createJwksVerifier("https://id.example/jwks.json", keys.getKey);
    const strict = createJwksVerifier("https://id.example/jwks.json", keys.getKey, { audience: "trust-service" });
    const token = await es256(keys.privateKey, { iat: now(), exp: now() + 300, aud: "campaign-service" });
    await open.verify(token);
    await expect(strict.verify(token)).rejects.toThrow("token audience (aud) is not accepted");
    await expect(strict.verify(token)).rejects.toThrow("token audience (aud) is not accepted");
  });

  it("hands out a copy: a caller changing its user's roles does not change the next caller's", async () => {
    const verifier = createJwksVerifier("https://id.example/jwks.json", keys.getKey);
    const token = await es256(keys.privateKey, { iat: now(), exp: now() + 300 });
    (await verifier.verify(token)).roles.push("trust");
    expect((await verifier.verify(token)).roles).toEqual(["admin"]);
  });
});

describe("VerifiedTokens", () => {
  it("holds at most maxEntries tokens, dropping the oldest first", () => {
    const tokens = new VerifiedTokens({ clockSkewSeconds: 60, maxLifetimeSeconds: 86_400 }, { maxEntries: 2, maxAgeSeconds: 60 });
    const exp = now() + 300;
    const user = (sub: string) => ({ sub, roles: ["admin"] });
    tokens.remember("a", { exp }, user("a"));
    tokens.remember("b", { exp }, user("b"));
    tokens.remember("c", { exp }, user("c"));
    expect(tokens.get("a")).toBeUndefined();
    expect(tokens.get("b")).toEqual(user("b"));
    expect(tokens.get("c")).toEqual(user("c"));
  });

  it("does not keep a token past its iat plus the maximum lifetime and skew (jose's maxTokenAge)", () => {
    const tokens = new VerifiedTokens({ clockSkewSeconds: 0, maxLifetimeSeconds: 10 });
    tokens.remember("old", { iat: now() - 10, exp: now() + 300 }, { sub: "x", roles: [] });
    expect(tokens.get("old")).toBeUndefined();
  });
});
