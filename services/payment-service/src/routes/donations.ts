import { MoneySchema } from "@blessed-horizon/contracts";
import { InputError, NotFoundError } from "@blessed-horizon/service-kit";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { findDonation, listRefunds } from "../db/donations.js";
import { CardSchema } from "../domain/card.js";
import type { PaymentDeps } from "../service/deps.js";
import { createDonation } from "../service/donate.js";
import { refundDonation } from "../service/refund.js";
import { donationView } from "../service/view.js";
import type { PaymentApp } from "./types.js";

/** 0 is refused (a donation or refund of nothing), so the schema says so and the OpenAPI document shows minimum 1. */
const PositiveMoney = MoneySchema.extend({ amount: MoneySchema.shape.amount.min(1, "must be at least 1 minor unit") });

const CreateDonationSchema = z
  .strictObject({
    campaignId: z.string().trim().min(1).max(200),
    amount: PositiveMoney,
    tipAmount: MoneySchema.optional(),
    /** A guest gives an email for the receipt; a signed-in donor may too. */
    email: z.email().max(320).optional(),
    card: CardSchema,
  });

const RefundSchema = z.strictObject({
  amount: PositiveMoney.optional(),
  reason: z.string().trim().max(500).optional(),
});

const IdParams = z.object({ id: z.uuid("must be a UUID") });

export function registerDonationRoutes(app: PaymentApp, deps: PaymentDeps): void {
  /** Signed-in donors are identified by their token; guests by email. A bad token is still a 401. */
  const optionalAuth = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.headers.authorization !== undefined) await app.authenticate(request, reply);
  };

  app.post(
    "/api/v1/donations",
    {
      schema: { body: CreateDonationSchema, tags: ["donations"], summary: "Donate to an active campaign (Idempotency-Key required)" },
      onRequest: [optionalAuth],
      config: { idempotency: "required" },
    },
    async (request, reply) => {
      const donorId = request.user?.sub;
      if (!donorId && !request.body.email) {
        throw new InputError("sign in, or give an email for the receipt", { code: "BH_DONOR_REQUIRED", errors: [{ in: "body", path: "/email", message: "required for guests" }] });
      }
      const donation = await createDonation(deps, {
        campaignId: request.body.campaignId,
        amount: request.body.amount,
        tipAmount: request.body.tipAmount,
        donorId,
        email: request.body.email,
        ip: request.ip,
        card: request.body.card,
      });
      // 202: held for review, the money is not taken yet.
      return reply.code(donation.status === "IN_REVIEW" ? 202 : 201).send(donationView(donation));
    },
  );

  app.get(
    "/api/v1/donations/:id",
    { schema: { params: IdParams, tags: ["donations"] }, onRequest: [app.authenticate] },
    async (request) => {
      const donation = await findDonation(deps.db, request.params.id);
      const user = request.user!;
      // Someone else's donation is "not found", so ids cannot be probed.
      if (!donation || (!user.roles.includes("admin") && donation.donor_id !== user.sub)) {
        throw new NotFoundError(`donation ${request.params.id} does not exist`);
      }
      return { ...donationView(donation), refunds: (await listRefunds(deps.db, donation.id)).map((r) => ({ id: r.id, amount: { amount: Number(r.amount), currency: r.currency.trim() }, reason: r.reason, createdAt: new Date(r.created_at).toISOString() })) };
    },
  );

  app.post(
    "/api/v1/donations/:id/refunds",
    {
      schema: { params: IdParams, body: RefundSchema, tags: ["donations"], summary: "Refund part or all of a paid donation" },
      onRequest: [app.requireRole("admin")],
      config: { idempotency: "optional" },
    },
    async (request, reply) => {
      const refund = await refundDonation(deps, request.params.id, request.body);
      return reply.code(201).send({ id: refund.id, donationId: refund.donationId, amount: refund.amount, reason: refund.reason, createdAt: refund.createdAt, donation: donationView(refund.donation) });
    },
  );
}
