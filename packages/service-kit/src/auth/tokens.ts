import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { z } from "zod";

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

export class TokenError extends Error {
  override readonly name = "TokenError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
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

function explain(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof joseErrors.JWTExpired) return new TokenError("token has expired", { cause: error });
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenError("token signature is invalid", { cause: error });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new TokenError("token algorithm is not allowed", { cause: error });
  return new TokenError("token is malformed or invalid", { cause: error });
}

const encoder = new TextEncoder();

/** Verifies HS256 tokens signed with `secret`. */
export function createHmacVerifier(secret: string): Verifier {
  const key = encoder.encode(secret);
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
        return toUser(payload);
      } catch (error) {
        throw explain(error);
      }
    },
  };
}

/** Verifies asymmetric tokens against a remote JWKS (production identity provider). */
export function createJwksVerifier(url: string | URL, getKey?: JWTVerifyGetKey): Verifier {
  const keys = getKey ?? createRemoteJWKSet(new URL(url));
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, { algorithms: ["RS256", "ES256", "EdDSA"] });
        return toUser(payload);
      } catch (error) {
        throw explain(error);
      }
    },
  };
}

/** Signs an HS256 token with `sub` and `roles`, valid for `ttl` (jose duration, e.g. "1h", or seconds). */
export async function signToken(user: AuthUser, secret: string, ttl: string | number = "1h"): Promise<string> {
  const claims = ClaimsSchema.parse(user);
  const expiresAt = typeof ttl === "number" ? Math.floor(Date.now() / 1000) + ttl : ttl;
  return new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(encoder.encode(secret));
}

/** A short-lived token for calls from one service to another: sub = service name, roles ["admin"]. */
export async function signServiceToken(serviceName: string, secret: string, ttl: string | number = "5m"): Promise<string> {
  return signToken({ sub: serviceName, roles: ["admin"] }, secret, ttl);
}
