import { createRemoteJWKSet, jwtVerify, SignJWT } from "jose";
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from "jose";
import { z } from "zod";
import type { BaseConfig } from "../config/config.js";
import type { TokenPolicy } from "./policy.js";
import { checkLifetime, explain, resolvePolicy, TokenError, verifyOptions } from "./policy.js";
import type { TokenCacheLimits } from "./verified-tokens.js";
import { VerifiedTokens } from "./verified-tokens.js";

export { TokenError } from "./policy.js";

export const ROLES = ["organizer", "donor", "trust", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the token's `sub` and `roles`. */
export interface AuthUser {
  sub: string;
  roles: Role[];
}

/** Turns a bearer token into a user, or throws `TokenError`. HMAC today, JWKS in production. */
export interface Verifier {
  verify(token: string): Promise<AuthUser>;
}

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(200),
  roles: z.array(z.enum(ROLES)).max(ROLES.length),
});

function toUser(payload: JWTPayload): AuthUser {
  const claims = ClaimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new TokenError(`token claims are invalid: sub must be a string and roles a list of ${ROLES.join(", ")}`);
  }
  return { sub: claims.data.sub, roles: [...new Set(claims.data.roles)] };
}

const encoder = new TextEncoder();

/**
 * A verifier of `token`s that `verifyOnce` checks with jose (signature and
 * `options`), then the lifetime and the claims, remembering each token that
 * passed in a `VerifiedTokens` (see there for how long), so the same token
 * string is not verified again while the policy would still accept it.
 */
function cachingVerifier(
  policy: TokenPolicy,
  verifyOnce: (token: string, options: JWTVerifyOptions) => Promise<JWTPayload>,
  algorithms: string[],
  limits?: TokenCacheLimits,
): Verifier {
  const resolved = resolvePolicy(policy);
  const verified = new VerifiedTokens<AuthUser>(resolved, limits);
  return {
    async verify(token) {
      const known = verified.get(token);
      if (known !== undefined) return known;
      try {
        const payload = await verifyOnce(token, verifyOptions(token, algorithms, resolved));
        checkLifetime(payload, resolved);
        const user = toUser(payload);
        verified.remember(token, payload, user);
        return user;
      } catch (error) {
        throw explain(error, resolved);
      }
    },
  };
}

/** Verifies HS256 tokens signed with `secret` that satisfy `policy` (exp required, lifetime, skew, iss, aud). */
export function createHmacVerifier(secret: string, policy: TokenPolicy = {}, limits?: TokenCacheLimits): Verifier {
  // Imported once: given the raw bytes, jose imports the key again for every token.
  let key: ReturnType<typeof crypto.subtle.importKey> | undefined;
  const verifyOnce = async (token: string, options: JWTVerifyOptions) => {
    key ??= crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    return (await jwtVerify(token, await key, options)).payload;
  };
  return cachingVerifier(policy, verifyOnce, ["HS256"], limits);
}

/** Verifies asymmetric tokens against a remote JWKS (production identity provider) that satisfy `policy`. */
export function createJwksVerifier(url: string | URL, getKey?: JWTVerifyGetKey, policy: TokenPolicy = {}, limits?: TokenCacheLimits): Verifier {
  const keys = getKey ?? createRemoteJWKSet(new URL(url));
  return cachingVerifier(policy, async (token, options) => (await jwtVerify(token, keys, options)).payload, ["RS256", "ES256", "EdDSA"], limits);
}

type TokenSettings = Pick<BaseConfig, "JWT_ISSUER" | "JWT_AUDIENCE" | "JWT_MAX_LIFETIME_SECONDS" | "JWT_CLOCK_SKEW_SECONDS">;

/** The token policy the JWT_* settings describe. */
export function tokenPolicyOf(config: TokenSettings): TokenPolicy {
  return {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    maxLifetimeSeconds: config.JWT_MAX_LIFETIME_SECONDS,
    clockSkewSeconds: config.JWT_CLOCK_SKEW_SECONDS,
  };
}

/** The verifier the configuration asks for: JWKS when `JWKS_URL` is set, else HS256 with `JWT_SECRET`; the JWT_* policy either way. */
export function createVerifier(config: TokenSettings & Pick<BaseConfig, "JWKS_URL" | "JWT_SECRET">): Verifier {
  const policy = tokenPolicyOf(config);
  return config.JWKS_URL === undefined ? createHmacVerifier(config.JWT_SECRET, policy) : createJwksVerifier(config.JWKS_URL, undefined, policy);
}

/** `iss` and `aud` for a signed token: what the receiving services' JWT_ISSUER and JWT_AUDIENCE expect. */
interface TokenAddress {
  issuer?: string | undefined;
  audience?: string | undefined;
}

/**
 * Signs an HS256 token with `sub`, `roles`, `iat` and `exp`, valid for `ttl`
 * (jose duration, e.g. "1h", or seconds); verifiers refuse lifetimes over
 * their maximum (24 h by default).
 */
export async function signToken(user: AuthUser, secret: string, ttl: string | number = "1h", address: TokenAddress = {}): Promise<string> {
  const claims = ClaimsSchema.parse(user);
  const expiresAt = typeof ttl === "number" ? Math.floor(Date.now() / 1000) + ttl : ttl;
  const jwt = new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresAt);
  if (address.issuer !== undefined) jwt.setIssuer(address.issuer);
  if (address.audience !== undefined) jwt.setAudience(address.audience);
  return jwt.sign(encoder.encode(secret));
}

/** A short-lived token for calls from one service to another: sub = service name, roles ["admin"]. */
export async function signServiceToken(
  serviceName: string,
  secret: string,
  ttl: string | number = "5m",
  address: TokenAddress = {},
): Promise<string> {
  return signToken({ sub: serviceName, roles: ["admin"] }, secret, ttl, address);
}
