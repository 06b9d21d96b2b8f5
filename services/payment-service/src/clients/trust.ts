import type { Money } from "@blessed-horizon/contracts";
import { ServiceUnavailableError, signServiceToken } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { callService } from "./http.js";

/** What payment-service sends to trust-service (`POST /api/v1/assessments`). */
export interface DonationAssessmentRequest {
  kind: "donation";
  donationId: string;
  campaignId: string;
  amount: Money;
  donorId?: string;
  email?: string;
  ip: string;
  cardFingerprint: string;
}

const VerdictSchema = z.object({
  id: z.string().optional(),
  score: z.number(),
  decision: z.enum(["allow", "review", "block"]),
  // trust-service answers reason objects ({ code, ... }); plain codes are accepted too.
  reasons: z.array(z.union([z.string(), z.looseObject({ code: z.string() })])).transform((rs) => rs.map((r) => (typeof r === "string" ? r : r.code))),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export interface TrustClient {
  assess(request: DonationAssessmentRequest): Promise<Verdict>;
}

/** trust-service could not give a verdict: the donation is not charged (we fail closed) and the client may retry. */
export class TrustUnavailableError extends ServiceUnavailableError {
  override name = "TrustUnavailableError";
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, { code: "BH_DEPENDENCY_UNAVAILABLE", ...options });
  }
}

/** How long a signed service token is reused; it stays valid 4 more minutes, far beyond any clock skew. */
const TOKEN_REUSE_MS = 60_000;

/**
 * Synchronous risk assessment; authenticated with a short-lived service token
 * (role admin), with the `iss` and `aud` the services' JWT_ISSUER and
 * JWT_AUDIENCE expect when those are set.
 */
export function httpTrustClient(baseUrl: string, jwtSecret: string, address: { issuer?: string | undefined; audience?: string | undefined } = {}, now: () => number = Date.now): TrustClient {
  // One token (5 minutes) serves every call of its first minute, instead of an HMAC signature per donation.
  let token: { value: Promise<string>; renewAt: number } | undefined;
  const serviceToken = (): Promise<string> => {
    if (!token || token.renewAt <= now()) {
      const value = signServiceToken("payment-service", jwtSecret, "5m", address);
      token = { value, renewAt: now() + TOKEN_REUSE_MS };
      value.catch(() => (token = undefined));
    }
    return token.value;
  };
  return {
    async assess(request) {
      const token = await serviceToken();
      const response = await callService("trust-service", `${baseUrl.replace(/\/$/, "")}/api/v1/assessments`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(request),
      });
      const body: unknown = await response.json().catch(() => undefined);
      const verdict = VerdictSchema.safeParse(body);
      if (!response.ok || !verdict.success) {
        // Our request is built from validated input: a refusal is a contract mismatch, not the donor's fault.
        throw new TrustUnavailableError(`trust-service refused the assessment (${response.status}): ${JSON.stringify(body)}`);
      }
      return verdict.data;
    },
  };
}
