import type { ReasonCode, TrustConfig } from "./config.js";

export type Decision = "allow" | "review" | "block";

export interface Reason {
  code: ReasonCode;
  message: string;
}

export interface Verdict {
  score: number;
  decision: Decision;
  reasons: Reason[];
}

export interface SuspendedHits {
  card: boolean;
  email: boolean;
  ip: boolean;
}

/**
 * What the database knows about a donation attempt; counts include the attempt
 * being assessed. A velocity count stops at its limit plus one (enough to know
 * the limit is passed); card attempts at `cardTestingWindow`, the card's latest.
 */
export interface DonationSignals {
  kind: "donation";
  suspended: SuspendedHits;
  ipAttemptsLastHour: number;
  /** Null when the attempt names neither a donor id nor an email. */
  donorAttemptsLastHour: number | null;
  donorCampaignAttemptsLastHour: number | null;
  cardAttempts: number;
  cardFailures: number;
  amount: number;
  /** The campaign's percentile amount in this currency over its latest donations, or null when it has too few (or the donor is returning). */
  campaignPercentileAmount: number | null;
  /** No succeeded donation from this donor (id or email) yet. */
  newDonor: boolean;
}

export interface CampaignSignals {
  kind: "campaign";
  suspended: SuspendedHits;
  organizerAssessmentsLastDay: number;
}

export type Signals = DonationSignals | CampaignSignals;

/** Rules as data: each returns a reason when it trips. Pure: the same signals always give the same verdict. */
export function assess(signals: Signals, config: TrustConfig): Verdict {
  const reasons = signals.kind === "donation" ? donationReasons(signals, config) : campaignReasons(signals, config);
  const score = Math.min(100, reasons.reduce((sum, r) => sum + config.weights[r.code], 0));
  return { score, decision: decide(score, config), reasons };
}

export function decide(score: number, config: Pick<TrustConfig, "reviewFrom" | "blockFrom">): Decision {
  if (score >= config.blockFrom) return "block";
  if (score >= config.reviewFrom) return "review";
  return "allow";
}

function suspendedReasons(s: SuspendedHits): Reason[] {
  const reasons: Reason[] = [];
  if (s.card) reasons.push({ code: "suspended_card", message: "the card is suspended" });
  if (s.email) reasons.push({ code: "suspended_email", message: "the email address is suspended" });
  if (s.ip) reasons.push({ code: "suspended_ip", message: "the IP address is suspended" });
  return reasons;
}

function donationReasons(s: DonationSignals, c: TrustConfig): Reason[] {
  const reasons = suspendedReasons(s.suspended);
  if (s.cardAttempts >= c.cardTestingMinAttempts && s.cardFailures / s.cardAttempts >= c.cardTestingFailureRatio) {
    reasons.push({
      code: "card_testing",
      message: `${s.cardFailures} of ${s.cardAttempts >= c.cardTestingWindow ? "the last " : ""}${s.cardAttempts} attempts with this card failed in ${c.cardTestingDays} days`,
    });
  }
  if (s.ipAttemptsLastHour > c.ipPerHour) {
    reasons.push({ code: "ip_velocity", message: `more than ${c.ipPerHour} attempts from this IP in an hour` });
  }
  if (s.donorAttemptsLastHour !== null && s.donorAttemptsLastHour > c.donorPerHour) {
    reasons.push({
      code: "donor_velocity",
      message: `more than ${c.donorPerHour} attempts from this donor in an hour`,
    });
  }
  if (s.donorCampaignAttemptsLastHour !== null && s.donorCampaignAttemptsLastHour > c.donorCampaignPerHour) {
    reasons.push({
      code: "donor_campaign_velocity",
      message: `more than ${c.donorCampaignPerHour} attempts from this donor to this campaign in an hour`,
    });
  }
  if (s.newDonor && s.campaignPercentileAmount !== null && s.amount >= s.campaignPercentileAmount) {
    reasons.push({
      code: "amount_outlier",
      message: `a new donor's amount is at or above the campaign's ${Math.round(c.amountPercentile * 100)}th percentile`,
    });
  }
  return reasons;
}

function campaignReasons(s: CampaignSignals, c: TrustConfig): Reason[] {
  const reasons = suspendedReasons(s.suspended);
  if (s.organizerAssessmentsLastDay > c.organizerCampaignsPerDay) {
    reasons.push({
      code: "organizer_velocity",
      message: `${s.organizerAssessmentsLastDay} campaigns from this organizer in a day (limit ${c.organizerCampaignsPerDay})`,
    });
  }
  return reasons;
}
