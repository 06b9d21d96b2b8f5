import type { FastifyBaseLogger } from "fastify";
import { claimPendingRefunds, claimUnsettledDonations, finishRefund, transitionDonation, type DonationRow, type RefundRow } from "../db/donations.js";
import { planSettlement } from "../domain/reconcile.js";
import type { PaymentDeps } from "./deps.js";
import { completeRefund } from "./refund.js";
import { captureAndSettle, releaseAndFail, settleFailed, settlePaid } from "./settle.js";

export interface ReconcilerSettings {
  /** How often it looks (it also looks once at start). */
  intervalMs: number;
  /** A NEW or PROCESSING donation, or a PENDING refund, untouched this long belongs to a request that died. */
  staleMs: number;
  /** An IN_REVIEW donation nobody decided within this many hours has its hold released. */
  reviewWindowHours: number;
}

type ReconcileDeps = Pick<PaymentDeps, "db" | "provider" | "outboxWritten">;

const BATCH = 100;

/** Finishes one donation from what the provider knows; resolves whether anything changed. */
export async function settleDonation(deps: ReconcileDeps, donation: DonationRow): Promise<boolean> {
  const plan = planSettlement({ status: donation.status, trustDecision: donation.trust_decision }, await deps.provider.findPayment(donation.id));
  const from = donation.status;
  switch (plan.action) {
    case "paid": {
      const paid = await deps.db.transaction((tx) => settlePaid(tx, donation, from, plan));
      if (paid) deps.outboxWritten();
      return paid !== undefined;
    }
    case "capture":
      return (await captureAndSettle(deps, donation, from, plan.authorizationId)) !== undefined;
    case "hold":
      return (await transitionDonation(deps.db, donation.id, from, "IN_REVIEW", { authorization_id: plan.authorizationId })) !== undefined;
    case "release":
      return (await releaseAndFail(deps, donation, from, plan.authorizationId, plan.reason)) !== undefined;
    case "fail": {
      const failed = await deps.db.transaction((tx) => settleFailed(tx, donation, from, plan.reason));
      if (failed) deps.outboxWritten();
      return failed !== undefined;
    }
    case "none":
      return false;
  }
}

/** Finishes one PENDING refund: made at the provider -> SUCCEEDED with its ledger group and event; never made -> FAILED. */
export async function settleRefund(deps: ReconcileDeps, refund: RefundRow): Promise<boolean> {
  const made = await deps.provider.findRefund(refund.id);
  if (made) {
    await completeRefund(deps, refund, made.refundId);
    return true;
  }
  return (await finishRefund(deps.db, refund.id, "FAILED", null)) !== undefined;
}

/**
 * One pass: claims what crashes left (in batches, each row leased to this
 * replica with FOR UPDATE SKIP LOCKED, so replicas never settle the same one)
 * and settles it. A row that fails stays claimed until its lease runs out and
 * is tried again then. Resolves how many rows were looked at.
 */
export async function reconcileOnce(deps: ReconcileDeps, settings: ReconcilerSettings, log?: FastifyBaseLogger): Promise<number> {
  const leaseMs = 5 * settings.intervalMs + 5_000;
  let seen = 0;
  const each = async <T extends { id: string }>(rows: T[], settle: (row: T) => Promise<boolean>) => {
    for (const row of rows) {
      await settle(row).catch((err: unknown) => log?.warn({ err, id: row.id }, "could not reconcile; retrying after the lease"));
    }
    seen += rows.length;
    return rows.length === BATCH;
  };
  while (await each(await claimUnsettledDonations(deps.db, { ...settings, leaseMs, limit: BATCH }), (d) => settleDonation(deps, d)));
  while (await each(await claimPendingRefunds(deps.db, { staleMs: settings.staleMs, leaseMs, limit: BATCH }), (r) => settleRefund(deps, r)));
  return seen;
}

/** Runs `reconcileOnce` now and every `intervalMs` (one pass at a time) until stopped. */
export function startReconciler(deps: ReconcileDeps, settings: ReconcilerSettings, log: FastifyBaseLogger): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = reconcileOnce(deps, settings, log)
      .then((n) => { if (n > 0) log.info({ looked: n }, "reconciler looked at what crashes left"); })
      .catch((err: unknown) => log.warn({ err }, "reconciler pass failed; retrying"))
      .finally(() => { if (!stopped) timer = setTimeout(tick, settings.intervalMs); });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
