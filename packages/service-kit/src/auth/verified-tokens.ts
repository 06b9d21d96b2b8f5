import type { JWTPayload } from "jose";
import type { ResolvedPolicy } from "./policy.js";

/** Who a verified token names (the verifier's `AuthUser`, declared here to keep this file free of a cycle). */
interface CachedUser {
  sub: string;
  roles: readonly string[];
}

export interface TokenCacheLimits {
  /** Most tokens kept; the oldest entry goes first when a new one would exceed it. */
  maxEntries: number;
  /** Longest an entry is trusted, in seconds, however long the token lives (bounds how long a key removed from a JWKS still counts). */
  maxAgeSeconds: number;
}

const TOKEN_CACHE_LIMITS: TokenCacheLimits = { maxEntries: 10_000, maxAgeSeconds: 60 };

/**
 * Tokens whose signature and claims one verifier has checked, by the exact
 * token string, so a caller that sends the same token again (a service token
 * lives minutes and is sent with every call) is not verified again. Only a
 * token that passed every check is remembered; an entry is trusted no longer
 * than the policy would accept the token (`exp` plus the clock skew, and for a
 * token with `iat` its age within the maximum lifetime plus the skew, the two
 * checks jose makes against the clock), nor longer than `maxAgeSeconds`.
 * The checks that do not depend on the clock (signature, algorithm, `iss`,
 * `aud`, lifetime, claims) give the same answer for the same string, so they
 * are not repeated.
 */
export class VerifiedTokens<User extends CachedUser> {
  readonly #entries = new Map<string, { user: User; untilMs: number }>();

  constructor(
    private readonly policy: ResolvedPolicy,
    private readonly limits: TokenCacheLimits = TOKEN_CACHE_LIMITS,
  ) {}

  /** The user of a token verified before and still acceptable now, as a fresh object; else undefined. */
  get(token: string): User | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (Date.now() >= entry.untilMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return { ...entry.user, roles: [...entry.user.roles] };
  }

  /** Remembers a token that has just passed every check, with the payload it was verified with. */
  remember(token: string, payload: JWTPayload, user: User): void {
    if (payload.exp === undefined) return; // never reached: exp is required
    const skew = this.policy.clockSkewSeconds;
    // jose refuses once now - skew >= exp (now in whole seconds), and a token with iat once now - iat - skew > maxTokenAge.
    const acceptedUntil = Math.min(payload.exp + skew, payload.iat === undefined ? Infinity : payload.iat + skew + this.policy.maxLifetimeSeconds);
    const untilMs = Math.min(acceptedUntil * 1000, Date.now() + this.limits.maxAgeSeconds * 1000);
    if (untilMs <= Date.now()) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.limits.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { user: { ...user, roles: [...user.roles] }, untilMs });
  }
}
