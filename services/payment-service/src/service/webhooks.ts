import { InputError, storableText, type Queryable } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { findDonation } from "../db/donations.js";
import { recordProviderRefund } from "./refund.js";
import type { PaymentDeps } from "./deps.js";
import { settleFailed, settlePaid } from "./settle.js";

/**
 * The provider events we act on (Stripe's shape: `{id, type, data: {object}}`);
 * others are acknowledged and ignored. Every text we read can be stored
 * (storableText: no NUL, no unpaired surrogate), so such an event is a 400 the
 * provider sees as final, not a 500 it would redeliver for ever; fields we
 * do not read are never stored.
 */
const ProviderEventSchema = z.object({
  id: storableText(1, 255),
  type: storableText(1, 255),
  data: z.object({
    object: z.looseObject({
      id: storableText(0, 255).optional(),
      metadata: z.looseObject({ donationId: z.uuid().optional() }).optional(),
      fee: z.number().int().nonnegative().optional(),
      failure_code: storableText(0, 255).optional(),
      amount_refunded: z.number().int().nonnegative().optional(),
    }),
  }),
});
export type ProviderEvent = z.infer<typeof ProviderEventSchema>;

/** A provider event from the webhook's JSON, parsed once by the route (parseJsonText: depth, poisoning, malformed). */
export function parseProviderEvent(json: unknown): ProviderEvent {
  const parsed = ProviderEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError("the webhook body is not a provider event", {
      code: "BH_VALIDATION",
      errors: parsed.error.issues.map((i) => ({ in: "body" as const, path: `/${i.path.join("/")}`, message: i.message })),
    });
  }
  return parsed.data;
}

async function recordOnce(tx: Queryable, event: ProviderEvent): Promise<boolean> {
  const { rows } = await tx.query("INSERT INTO provider_events (id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id", [event.id, event.type]);
  return rows.length > 0;
}

/**
 * Applies a verified provider event once (its id is recorded in the same
 * transaction as the effect): `charge.succeeded` settles a donation still
 * PROCESSING or IN_REVIEW, `charge.failed` fails it, `charge.refunded` records
 * a refund made at the provider. Resolves whether the event changed anything.
 */
export async function applyProviderEvent(deps: Pick<PaymentDeps, "db" | "provider" | "outboxWritten">, event: ProviderEvent): Promise<boolean> {
  const object = event.data.object;
  const donationId = object.metadata?.donationId;
  if (event.type === "charge.refunded" && donationId) {
    // The refund path (row lock, ledger, event), with the event id recorded in the same transaction.
    const exists = await findDonation(deps.db, donationId);
    if (!exists) return deps.db.transaction((tx) => recordOnce(tx, event)).then(() => false);
    const refunded = await recordProviderRefund(deps, donationId, async (tx, donation) => {
      if (!(await recordOnce(tx, event))) return undefined;
      const difference = (object.amount_refunded ?? 0) - Number(donation.refunded);
      if (difference <= 0 || donation.status !== "PAID") return undefined;
      return { amount: { amount: difference, currency: donation.currency.trim() }, reason: "refunded at the provider", providerRefundId: event.id };
    });
    return refunded !== undefined;
  }
  const changed = await deps.db.transaction(async (tx) => {
    if (!(await recordOnce(tx, event)) || !donationId) return false;
    const donation = await findDonation(tx, donationId, true);
    if (!donation || (donation.status !== "PROCESSING" && donation.status !== "IN_REVIEW")) return false;
    if (event.type === "charge.succeeded" && object.id) {
      return (await settlePaid(tx, donation, donation.status, { chargeId: object.id, fee: object.fee ?? 0 })) !== undefined;
    }
    if (event.type === "charge.failed") {
      return (await settleFailed(tx, donation, donation.status, object.failure_code ?? "card_declined")) !== undefined;
    }
    return false;
  });
  if (changed) deps.outboxWritten();
  return changed;
}
