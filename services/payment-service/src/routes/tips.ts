import type { Money } from "@blessed-horizon/contracts";
import { flagContext, UnprocessableError } from "@blessed-horizon/service-kit";
import type { FastifyRequest } from "fastify";
import { paymentFlags } from "../flags.js";
import type { ServiceApp } from "@blessed-horizon/service-kit";

/**
 * Refuses a tip the `donation-tips` flag does not offer for this donation,
 * before anything is stored, assessed or charged. The flag is evaluated in
 * process (no round trip), and only for a donation that carries a tip. A
 * rollout buckets the donor: the signed-in caller's id, else the guest's
 * email, so one donor gets one answer; rules can also match `campaignId`.
 */
export async function assertTipOffered(
  app: ServiceApp,
  request: FastifyRequest,
  donation: { campaignId: string; tipAmount?: Money | undefined; email?: string | undefined },
): Promise<void> {
  if (donation.tipAmount === undefined || donation.tipAmount.amount === 0) return;
  const context = flagContext(request, { targetingKey: request.user?.sub ?? donation.email?.toLowerCase(), campaignId: donation.campaignId });
  if (await app.flags.get(paymentFlags.donationTips, context)) return;
  throw new UnprocessableError(`tips are not offered for this campaign (${donation.campaignId}) at the moment: donate without tipAmount, or with 0`, {
    code: "BH_TIPS_NOT_OFFERED",
    errors: [{ in: "body", path: "/tipAmount", message: "tips are not offered for this campaign" }],
  });
}
