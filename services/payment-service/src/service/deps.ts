import type { Database } from "@blessed-horizon/service-kit";
import type { CampaignClient } from "../clients/campaigns.js";
import type { TrustClient } from "../clients/trust.js";
import type { PaymentProvider } from "../clients/provider.js";
import type { DecidedAtOnce } from "./reviews.js";

/** What the payment use cases need; tests pass a sandbox provider and stub clients. */
export interface PaymentDeps {
  db: Database;
  provider: PaymentProvider;
  campaigns: CampaignClient;
  trust: TrustClient;
  /** HMAC key of card fingerprints. */
  cardSecret: string;
  /** Called after a commit that wrote the outbox (wakes the relay). */
  outboxWritten: () => void;
  /** Donations trust-service allowed or blocked at once (their `trust.decision` needs no lookup). */
  decidedAtOnce?: DecidedAtOnce;
  now?: () => Date;
}
