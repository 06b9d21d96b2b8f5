/** Debit or credit; every group has as much of one as of the other. */
export type Direction = "DEBIT" | "CREDIT";

/** What a group of entries records. */
export type LedgerKind = "donation" | "tip" | "processor_fee" | "refund";

export interface LedgerEntryDraft {
  account: string;
  direction: Direction;
  /** Positive integer minor units. */
  amount: number;
  currency: string;
}

export interface LedgerGroupDraft {
  kind: LedgerKind;
  entries: LedgerEntryDraft[];
}

/** The accounts of the chart (ARCHITECTURE §4): money in minor units, never floats. */
export const accounts = {
  /** What the provider holds for us (asset). */
  providerClearing: (provider: string) => `provider:${provider}`,
  /** What we owe a campaign (liability). */
  campaign: (campaignId: string) => `campaign:${campaignId}`,
  /** Platform tips (revenue). */
  platformTips: "platform:tips",
  /** Processor fees the platform pays (expense). */
  processorFees: "platform:processor_fees",
} as const;

function pair(kind: LedgerKind, debit: string, credit: string, amount: number, currency: string): LedgerGroupDraft {
  return {
    kind,
    entries: [
      { account: debit, direction: "DEBIT", amount, currency },
      { account: credit, direction: "CREDIT", amount, currency },
    ],
  };
}

export interface CaptureInput {
  provider: string;
  campaignId: string;
  currency: string;
  amount: number;
  tip: number;
  fee: number;
}

/**
 * The groups a captured donation writes: the donation owed to the campaign,
 * the tip earned by the platform and the processor's fee (paid by the
 * platform, so the campaign receives the whole donation). Zero amounts write no group.
 */
export function captureGroups(c: CaptureInput): LedgerGroupDraft[] {
  const clearing = accounts.providerClearing(c.provider);
  const groups = [pair("donation", clearing, accounts.campaign(c.campaignId), c.amount, c.currency)];
  if (c.tip > 0) groups.push(pair("tip", clearing, accounts.platformTips, c.tip, c.currency));
  if (c.fee > 0) groups.push(pair("processor_fee", accounts.processorFees, clearing, c.fee, c.currency));
  return groups;
}

/** A refund reverses part of the donation with new entries; the capture's entries never change. */
export function refundGroup(r: { provider: string; campaignId: string; currency: string; amount: number }): LedgerGroupDraft {
  return pair("refund", accounts.campaign(r.campaignId), accounts.providerClearing(r.provider), r.amount, r.currency);
}

export class UnbalancedGroupError extends Error {
  override readonly name = "UnbalancedGroupError";
  constructor(readonly kind: LedgerKind, readonly currency: string, readonly difference: number) {
    super(`ledger group '${kind}' is off by ${difference} ${currency}: debits must equal credits`);
  }
}

/** Debits minus credits per currency of a group: zero for every currency, else UnbalancedGroupError. */
export function assertBalanced(group: LedgerGroupDraft): void {
  const sums = new Map<string, number>();
  for (const e of group.entries) {
    if (!Number.isSafeInteger(e.amount) || e.amount <= 0) throw new RangeError(`ledger amounts are positive integers, got ${e.amount}`);
    sums.set(e.currency, (sums.get(e.currency) ?? 0) + (e.direction === "DEBIT" ? e.amount : -e.amount));
  }
  for (const [currency, difference] of sums) {
    if (difference !== 0) throw new UnbalancedGroupError(group.kind, currency, difference);
  }
}
