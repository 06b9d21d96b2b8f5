import { randomUUID } from "node:crypto";
import { flag, flagsDir, flagsDocument, testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CARD, donor, usePayment } from "./harness.js";

const TIPS = { on: true, off: false };
/** Tips off for the campaigns listed (flagd targeting, JsonLogic `in` on the context's campaignId), on elsewhere. */
const tipsOffFor = (campaignIds: string[]) =>
  flagsDocument({ "donation-tips": flag(TIPS, "on", { if: [{ in: [{ var: "campaignId" }, campaignIds] }, "off", null] }) });
/**
 * Tips off for the campaigns listed, and elsewhere for half the donors: flagd's shorthand percentage rollout, bucketed
 * by the flag key and the context's targetingKey (flagd docs/reference/custom-operations/fractional-operation.md).
 */
const tipsOffForAndHalfTheDonors = (campaignIds: string[]) =>
  flagsDocument({
    "donation-tips": flag(TIPS, "on", { if: [{ in: [{ var: "campaignId" }, campaignIds] }, "off", { fractional: [["off", 50], ["on", 50]] }] }),
  });

// The real app, the real OpenFeature SDK and flagd's in-process provider reading a file, as in a pod.
describe.each(testDatabases())("payment-service: tips follow the donation-tips flag on $kind", (target) => {
  let flags: Awaited<ReturnType<typeof flagsDir>>;
  const noTips = `c-no-tips-${randomUUID()}`;
  const withTips = `c-tips-${randomUUID()}`;

  beforeAll(async () => {
    flags = await flagsDir();
    await flags.write(tipsOffFor([noTips]));
  });
  afterAll(async () => {
    await flags?.remove();
  });
  const h = usePayment(() => target.open(), {
    campaigns: [noTips, withTips].map((id) => ({ id, status: "active", organizerId: "org-1", goal: { amount: 1_000_000, currency: "USD" } })),
    env: () => ({ FLAGS_FILE: flags.path }),
  });

  const donate = (campaignId: string, tip: number | undefined, headers: Record<string, string> = {}, email = "ada@example.org", key = randomUUID()) =>
    h.app.inject({
      method: "POST", url: "/api/v1/donations", headers: { "idempotency-key": key, ...headers },
      payload: { campaignId, amount: { amount: 2500, currency: "USD" }, ...(tip === undefined ? {} : { tipAmount: { amount: tip, currency: "USD" } }), email, card: CARD },
    });
  const stored = async (campaignId: string) =>
    (await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM donations WHERE campaign_id = $1", [campaignId])).rows[0].n;
  const charges = async () => (await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sandbox_charges")).rows[0].n;

  it("refuses a tip to a campaign the flag turns tips off for (422 naming /tipAmount), storing, assessing and charging nothing", async () => {
    const [chargesBefore, assessedBefore] = [await charges(), h.stubs.assessments.length];
    const key = randomUUID();
    const refused = await donate(noTips, 300, {}, "ada@example.org", key);
    expect(refused.statusCode).toBe(422);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    const problem = refused.json<{ code: string; detail: string; errors: { in: string; path: string; message: string }[] }>();
    expect(problem.code).toBe("BH_TIPS_NOT_OFFERED");
    expect(problem.detail).toContain("tips are not offered");
    expect(problem.errors).toEqual([expect.objectContaining({ in: "body", path: "/tipAmount" })]);
    expect(await stored(noTips)).toBe(0);
    expect(await charges()).toBe(chargesBefore);
    expect(h.stubs.assessments.length).toBe(assessedBefore);
    // A retry of that request gets the same answer, as every 4xx a key stored.
    const retried = await donate(noTips, 300, {}, "ada@example.org", key);
    expect([retried.statusCode, retried.headers["idempotent-replayed"]]).toEqual([422, "true"]);

    // Without a tip, or with a tip of 0, the same donation goes through: only the tip is refused.
    const plain = await donate(noTips, undefined);
    expect(plain.statusCode).toBe(201);
    expect(plain.json()).toMatchObject({ status: "PAID", amount: { amount: 2500 }, tip: { amount: 0 } });
    expect((await donate(noTips, 0)).statusCode).toBe(201);
    expect(await stored(noTips)).toBe(2);
  });

  it("takes a tip where the flag is on: the campaign not listed, for a guest and for a signed-in donor", async () => {
    const guest = await donate(withTips, 300);
    expect(guest.statusCode).toBe(201);
    expect(guest.json()).toMatchObject({ status: "PAID", tip: { amount: 300, currency: "USD" } });
    const signedIn = await donate(withTips, 150, await donor("donor-tips-1"), "grace@example.org");
    expect(signedIn.statusCode).toBe(201);
    expect(signedIn.json()).toMatchObject({ status: "PAID", tip: { amount: 150 } });
  });

  it("follows the file while running: another campaign listed, the first one unlisted, and half the donors without tips, each donor keeping one answer", { timeout: 30_000 }, async () => {
    const probe = `c-probe-${randomUUID()}`;
    h.stubs.campaigns.set(probe, { id: probe, status: "active", organizerId: "org-1", goal: { amount: 1_000_000, currency: "USD" } });
    expect((await donate(probe, 100)).statusCode).toBe(201);

    await flags.write(tipsOffForAndHalfTheDonors([probe]));
    await vi.waitFor(async () => expect((await donate(probe, 100)).statusCode).toBe(422), { timeout: 15_000, interval: 250 });

    // Signed-in donors are bucketed by their id, guests by their email (never by request: a donor keeps one answer).
    const answers = (campaignId: string) =>
      Promise.all(
        Array.from({ length: 16 }, async (_, i) =>
          (i % 2 === 0 ? await donate(campaignId, 100, await donor(`donor-rollout-${i}`)) : await donate(campaignId, 100, {}, `guest-${i}@example.org`)).statusCode,
        ),
      );
    const first = await answers(withTips);
    expect(first).toContain(201);
    expect(first).toContain(422);
    expect(first.every((status) => status === 201 || status === 422)).toBe(true);
    expect(await answers(withTips)).toEqual(first);
    // The campaign that had tips off is no longer listed: its donors get the rollout's answer, the same as elsewhere.
    expect(await answers(noTips)).toEqual(first);
  });
});
