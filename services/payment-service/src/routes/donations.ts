import { exactMinorUnits, MoneySchema, staysExact } from "@blessed-horizon/contracts";
import { InputError, NotFoundError, ServiceUnavailableError, UnprocessableError } from "@blessed-horizon/service-kit";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { DEFAULT_MAX_DONATION_MINOR } from "../config.js";
import { findDonation, findDonationByIdempotencyKey, getDonation, findRefundByIdempotencyKey, listRefunds, type DonationRow } from "../db/donations.js";
import { accountBalances } from "../db/ledger.js";
import { CardSchema } from "../domain/card.js";
import { accounts } from "../domain/ledger.js";
import type { PaymentDeps } from "../service/deps.js";
import { createDonation, declinedError, EarlierDonationError } from "../service/donate.js";
import { EarlierRefundError, refundDonation, refundResult, type RefundResult } from "../service/refund.js";
import { donationView } from "../service/view.js";
import { assertTipOffered } from "./tips.js";
import type { ServiceApp } from "@blessed-horizon/service-kit";

/** 0 is refused (a donation or refund of nothing), so the schema says so and the OpenAPI document shows minimum 1. */
const PositiveMoney = MoneySchema.extend({ amount: MoneySchema.shape.amount.min(1, "must be at least 1 minor unit") });

/** At most `max` minor units: the business cap of one donation (MAX_DONATION_MINOR), named in the 400. */
const cappedMoney = (money: typeof MoneySchema, max: number) =>
  money.extend({ amount: money.shape.amount.max(max, `must be at most ${max} minor units, the per-donation cap (MAX_DONATION_MINOR)`) });

function createDonationSchema(maxMinor: number) {
  return z.strictObject({
    campaignId: z.string().trim().min(1).max(200),
    amount: cappedMoney(PositiveMoney, maxMinor),
    tipAmount: cappedMoney(MoneySchema, maxMinor).optional(),
    /** A guest gives an email for the receipt; a signed-in donor may too. */
    email: z.email().max(320).optional(),
    card: CardSchema,
  });
}

/**
 * Refuses, before anything is stored or charged, a donation that would take
 * its campaign's total raised (the credits of `campaign:<id>`, which bound
 * campaign-service's total and every balance of the account) past
 * Number.MAX_SAFE_INTEGER, beyond which the API could not return it exactly.
 *
 * Summing the account on every donation costs a scan of all its entries, so a
 * read is reused for `ttlMs` while the total is far from the limit: at least
 * a million donations of the cap (`maxMinor`) below it, more than any
 * campaign can take within `ttlMs`. Near the limit every donation reads.
 */
export function campaignTotalGuard(db: PaymentDeps["db"], o: { ttlMs: number; maxMinor: number; now?: () => number }): (campaignId: string, amount: { amount: number; currency: string }) => Promise<void> {
  const now = o.now ?? Date.now;
  const headroom = o.maxMinor * 1_000_000;
  const known = new Map<string, { credits: number; until: number }>();
  return async (campaignId, amount) => {
    const key = `${campaignId} ${amount.currency}`;
    const hit = known.get(key);
    if (hit && hit.until > now() && hit.credits + amount.amount + headroom <= Number.MAX_SAFE_INTEGER) return;
    const balances = await accountBalances(db, accounts.campaign(campaignId));
    const credits = balances.find((b) => b.currency === amount.currency)?.credits ?? 0;
    if (exactMinorUnits(credits) === undefined || !staysExact(credits, amount.amount)) {
      throw new UnprocessableError(
        `campaign ${campaignId} cannot take ${amount.amount} ${amount.currency} more: its total raised would pass ${Number.MAX_SAFE_INTEGER} minor units, the most the API returns exactly`,
        { code: "BH_TOTAL_LIMIT", errors: [{ in: "body", path: "/amount/amount", message: `the campaign's total would pass ${Number.MAX_SAFE_INTEGER} minor units` }] },
      );
    }
    if (o.ttlMs > 0) {
      if (known.size >= 10_000) known.clear();
      known.set(key, { credits, until: now() + o.ttlMs });
    }
  };
}

const RefundSchema = z.strictObject({
  amount: PositiveMoney.optional(),
  reason: z.string().trim().max(500).optional(),
});

const IdParams = z.object({ id: z.uuid("must be a UUID") });

const settling = () => new ServiceUnavailableError("the first request with this Idempotency-Key is still being settled; retry in a few seconds", { code: "BH_PAYMENT_SETTLING" });

/** Sends what POST /donations answers for a donation: 201 paid, 202 held, 402 failed; "running" while it may still change. */
function answerDonation(reply: FastifyReply, donation: DonationRow): "replied" | "running" {
  if (donation.status === "NEW" || donation.status === "PROCESSING") return "running";
  if (donation.status === "ERROR") throw declinedError(donation);
  void reply.code(donation.status === "IN_REVIEW" ? 202 : 201).send(donationView(donation));
  return "replied";
}

/** The donation a key already created; none when its request ran no payment step (trust-service down: 503, run it again). */
async function donationOfKey(deps: PaymentDeps, key: string | undefined): Promise<DonationRow | undefined> {
  const donation = key === undefined ? undefined : await findDonationByIdempotencyKey(deps.db, key);
  return donation?.failure_code === "trust_unavailable" ? undefined : donation;
}

function refundBody(refund: RefundResult) {
  return { id: refund.id, donationId: refund.donationId, amount: refund.amount, reason: refund.reason, createdAt: refund.createdAt, donation: donationView(refund.donation) };
}

/** The refund a key already made: answered once it succeeded; "running" while PENDING; a FAILED one moved nothing. */
async function answerRefundOfKey(deps: PaymentDeps, reply: FastifyReply, key: string | undefined): Promise<"replied" | "running" | "not-started"> {
  const refund = key === undefined ? undefined : await findRefundByIdempotencyKey(deps.db, key);
  if (!refund || refund.status === "FAILED") return "not-started";
  if (refund.status === "PENDING") return "running";
  void reply.code(201).send(refundBody(refundResult(refund, await getDonation(deps.db, refund.donation_id))));
  return "replied";
}

/** `maxDonationMinor`: the per-donation cap, config MAX_DONATION_MINOR (default 100000000, 1,000,000.00 in a two-decimal currency). */
export function registerDonationRoutes(app: ServiceApp, deps: PaymentDeps & { maxDonationMinor?: number; campaignCacheTtlMs?: number }): void {
  const maxDonationMinor = deps.maxDonationMinor ?? DEFAULT_MAX_DONATION_MINOR;
  const CreateDonationSchema = createDonationSchema(maxDonationMinor);
  const assertCampaignTotalStaysExact = campaignTotalGuard(deps.db, { ttlMs: deps.campaignCacheTtlMs ?? 0, maxMinor: maxDonationMinor });
  /** Signed-in donors are identified by their token; guests by email. A bad token is still a 401. */
  const optionalAuth = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.headers.authorization !== undefined) await app.authenticate(request, reply);
  };

  app.post(
    "/api/v1/donations",
    {
      schema: { body: CreateDonationSchema, tags: ["donations"], summary: "Donate to an active campaign (Idempotency-Key required)" },
      onRequest: [optionalAuth],
      config: {
        idempotency: "required",
        // A retry whose first request died answers the donation it created (the reconciler settles it), never runs again.
        idempotencyResume: async (_request, reply, key) => {
          const donation = await donationOfKey(deps, key);
          return donation ? answerDonation(reply, donation) : "not-started";
        },
      },
    },
    async (request, reply) => {
      // A key released after a 5xx may still have a donation: answer it rather than pay twice (a new key has none).
      const claim = request.idempotencyClaim;
      const key = claim?.key;
      const existing = claim?.reclaimed ? await donationOfKey(deps, key) : undefined;
      if (existing) {
        if (answerDonation(reply, existing) === "running") throw settling();
        return reply;
      }
      const donorId = request.user?.sub;
      if (!donorId && !request.body.email) {
        throw new InputError("sign in, or give an email for the receipt", { code: "BH_DONOR_REQUIRED", errors: [{ in: "body", path: "/email", message: "required for guests" }] });
      }
      // Before the campaign's checks and the donation's first write: a refused tip stores and charges nothing.
      await assertTipOffered(app, request, request.body);
      await assertCampaignTotalStaysExact(request.body.campaignId, request.body.amount);
      const donation = await createDonation(deps, {
        campaignId: request.body.campaignId,
        amount: request.body.amount,
        tipAmount: request.body.tipAmount,
        donorId,
        email: request.body.email,
        ip: request.ip,
        card: request.body.card,
        idempotencyKey: key,
      }).catch((error: unknown) => {
        // The key's earlier request made a donation after all: answer it, as a retry of a released key does.
        if (!(error instanceof EarlierDonationError)) throw error;
        if (answerDonation(reply, error.donation) === "running") throw settling();
        return undefined;
      });
      if (donation === undefined) return reply;
      // 202: held for review, the money is not taken yet.
      return reply.code(donation.status === "IN_REVIEW" ? 202 : 201).send(donationView(donation));
    },
  );

  app.get(
    "/api/v1/donations/:id",
    { schema: { params: IdParams, tags: ["donations"] }, onRequest: [app.authenticate] },
    async (request) => {
      const donation = await findDonation(deps.db, request.params.id);
      const user = request.user;
      // Someone else's donation is "not found", so ids cannot be probed (`authenticate` has made sure of a caller).
      if (!donation || !user || (!user.roles.includes("admin") && donation.donor_id !== user.sub)) {
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
      config: { idempotency: "optional", idempotencyResume: (_request, reply, key) => answerRefundOfKey(deps, reply, key) },
    },
    async (request, reply) => {
      const claim = request.idempotencyClaim;
      const key = claim?.key;
      // Only a key released after a 5xx may already have a refund.
      const existing = claim?.reclaimed ? await answerRefundOfKey(deps, reply, key) : "not-started";
      if (existing === "running") throw settling();
      if (existing === "replied") return reply;
      const refund = await refundDonation(deps, request.params.id, request.body, key).catch(async (error: unknown) => {
        // The key's earlier request made a refund after all: answer it (it settles, or it is answered).
        if (!(error instanceof EarlierRefundError)) throw error;
        if ((await answerRefundOfKey(deps, reply, key)) !== "replied") throw settling();
        return undefined;
      });
      if (refund === undefined) return reply;
      return reply.code(201).send(refundBody(refund));
    },
  );
}
