import { decodeJwt, errors as joseErrors } from "jose";
import type { JWTPayload, JWTVerifyOptions } from "jose";

/** What a token must satisfy besides its signature. Unset fields take `DEFAULT_TOKEN_POLICY`'s. */
export interface TokenPolicy {
  /** Longest accepted lifetime in seconds: `exp - iat`, or `exp - now` for a token without `iat`. */
  maxLifetimeSeconds?: number | undefined;
  /** How far the issuer's clock may be from ours, in seconds (for `exp`, `nbf` and `iat`). */
  clockSkewSeconds?: number | undefined;
  /** When set, `iss` must be this. */
  issuer?: string | undefined;
  /** When set, `aud` must be (or contain) this. */
  audience?: string | undefined;
}

export const DEFAULT_TOKEN_POLICY = { maxLifetimeSeconds: 24 * 60 * 60, clockSkewSeconds: 60 } as const;

export type ResolvedPolicy = TokenPolicy & { maxLifetimeSeconds: number; clockSkewSeconds: number };

/** An error whose message may be shown to the caller: it names what is wrong with the token, nothing internal. */
export class TokenError extends Error {
  override readonly name = "TokenError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function resolvePolicy(policy: TokenPolicy): ResolvedPolicy {
  return {
    ...policy,
    maxLifetimeSeconds: policy.maxLifetimeSeconds ?? DEFAULT_TOKEN_POLICY.maxLifetimeSeconds,
    clockSkewSeconds: policy.clockSkewSeconds ?? DEFAULT_TOKEN_POLICY.clockSkewSeconds,
  };
}

function carriesIat(token: string): boolean {
  try {
    return decodeJwt(token).iat !== undefined;
  } catch {
    return false; // malformed: jwtVerify says so
  }
}

/** jose's own checks for `policy`: exp required, skew, issuer, audience, and (for a token with `iat`) an `iat` neither in the future nor too old. */
export function verifyOptions(token: string, algorithms: string[], policy: ResolvedPolicy): JWTVerifyOptions {
  return {
    algorithms,
    requiredClaims: ["exp"],
    clockTolerance: policy.clockSkewSeconds,
    // maxTokenAge is jose's only check of a future iat, and it requires iat; a token without one is bounded by exp alone.
    ...(carriesIat(token) ? { maxTokenAge: policy.maxLifetimeSeconds } : {}),
    ...(policy.issuer === undefined ? {} : { issuer: policy.issuer }),
    ...(policy.audience === undefined ? {} : { audience: policy.audience }),
  };
}

/**
 * Refuses a token that lives longer than the policy allows. jose has no check
 * of `exp - iat` (maxTokenAge bounds the token's age, not its lifetime), so a
 * fresh token expiring in 100 years would pass every option above.
 */
export function checkLifetime(payload: JWTPayload, policy: ResolvedPolicy): void {
  if (payload.exp === undefined) return; // jose's requiredClaims refused it already
  const start = payload.iat ?? Math.floor(Date.now() / 1000);
  const allowance = payload.iat === undefined ? policy.clockSkewSeconds : 0;
  if (payload.exp - start > policy.maxLifetimeSeconds + allowance) {
    throw new TokenError(`token lifetime is longer than the allowed ${policy.maxLifetimeSeconds} s`);
  }
}

const claimNames: Record<string, string> = { exp: "expiry", iss: "issuer", aud: "audience", iat: "issue time" };

function explainClaim(error: joseErrors.JWTClaimValidationFailed, policy: ResolvedPolicy): TokenError {
  const { claim, reason } = error;
  if (reason === "missing") return new TokenError(`token has no ${claimNames[claim] ?? claim}: the ${claim} claim is required`, { cause: error });
  if (claim === "iss" || claim === "aud") return new TokenError(`token ${claimNames[claim]} (${claim}) is not accepted`, { cause: error });
  if (claim === "iat" && reason === "check_failed") {
    return new TokenError(`token is issued in the future (iat is more than ${policy.clockSkewSeconds} s ahead)`, { cause: error });
  }
  if (claim === "nbf" && reason === "check_failed") return new TokenError("token is not valid yet (nbf)", { cause: error });
  return new TokenError(`token claim ${claim} is invalid`, { cause: error });
}

/** Turns whatever verification threw into a `TokenError` the caller may read. */
export function explain(error: unknown, policy: ResolvedPolicy): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    if (error.claim === "iat") return new TokenError(`token is older than the allowed ${policy.maxLifetimeSeconds} s`, { cause: error });
    return new TokenError("token has expired", { cause: error });
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) return explainClaim(error, policy);
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenError("token signature is invalid", { cause: error });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new TokenError("token algorithm is not allowed", { cause: error });
  return new TokenError("token is malformed or invalid", { cause: error });
}
