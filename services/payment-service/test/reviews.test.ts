import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import type { Database } from "@blessed-horizon/service-kit";
import { describe, expect, it } from "vitest";
import type { PaymentProvider } from "../src/clients/provider.js";
import { applyTrustDecision, DecidedAtOnce } from "../src/service/reviews.js";

describe("trust.decision events of donations trust decided at once", () => {
  const decision = (subjectId: string) =>
    createEvent("trust.decision", { assessmentId: randomUUID(), kind: "donation", subjectId, campaignId: "c", score: 0, decision: "allow", reasons: [] });
  const lookups: unknown[] = [];
  const db = { query: (_sql: string, params: unknown[]) => (lookups.push(params[0]), Promise.resolve({ rows: [], rowCount: 0 })) } as unknown as Database;
  const deps = (decidedAtOnce: DecidedAtOnce) => ({ db, provider: {} as PaymentProvider, outboxWritten: () => undefined, decidedAtOnce });

  it("skip the donation lookup once for a donation this process saw allowed or blocked at once, and look up any other", async () => {
    const decided = new DecidedAtOnce();
    const [atOnce, other] = [randomUUID(), randomUUID()];
    decided.add(atOnce);
    await applyTrustDecision(deps(decided), decision(atOnce));
    expect(lookups).toEqual([]);
    await applyTrustDecision(deps(decided), decision(other));
    await applyTrustDecision(deps(decided), decision(atOnce)); // a second event (a redelivery) is looked up
    expect(lookups).toEqual([other, atOnce]);
  });

  it("forget everything past their bound rather than grow", () => {
    const decided = new DecidedAtOnce(2);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) decided.add(id);
    expect(ids.map((id) => decided.take(id))).toEqual([false, false, true]);
  });
});
