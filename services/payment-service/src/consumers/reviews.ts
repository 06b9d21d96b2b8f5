import type { EventConsumer } from "@blessed-horizon/service-kit";
import { applyTrustDecision } from "../service/reviews.js";

export const REVIEW_CONSUMER = "payment-service.reviews";

/** The review decisions of held donations (`applyTrustDecision`); settling one wakes the relay itself (`outboxWritten`). */
export function reviewConsumer(deps: Parameters<typeof applyTrustDecision>[0]): EventConsumer<"trust.decision"> {
  return { consumer: REVIEW_CONSUMER, types: ["trust.decision"], handle: (event) => applyTrustDecision(deps, event) };
}
