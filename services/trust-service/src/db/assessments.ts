import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import type { TrustConfig } from "../domain/config.js";
import type { AssessmentRequest } from "../domain/input.js";
import { donorKey } from "../domain/input.js";
import { assess, type Decision, type Reason, type Verdict } from "../domain/rules.js";
import { outboxValues, type SqlDatabase, type SqlQueryable } from "@blessed-horizon/service-kit";
import { campaignSignals, recordDonationAttempt } from "./signals.js";

/** What `POST /api/v1/assessments` answers. */
export interface Assessment extends Verdict {
  id: string;
  kind: "donation" | "campaign";
  subjectId: string;
  campaignId: string;
  /** The review this assessment opened (decision review only). */
  reviewId: string | null;
  createdAt: string;
}

export interface AssessDeps {
  db: SqlDatabase;
  config: TrustConfig;
  now?: () => Date;
}

/**
 * Assesses a donation or a campaign: records the attempt, counts, decides,
 * stores the assessment, opens a review when the decision is review, and
 * writes `trust.decision` to the outbox. A donation already assessed (same
 * donationId) gets its first assessment back.
 *
 * A donation takes two statements and no transaction: the first records the
 * attempt and reads the counts, the second stores the assessment, its review
 * and its event together, or nothing when a concurrent call for the donation
 * stored first. A crash between the two leaves an attempt without an
 * assessment; a retry assesses it then, counting that attempt once (the
 * counts read the other donations' attempts, signals.ts). A campaign is
 * counted and stored in one transaction.
 */
export async function createAssessment(deps: AssessDeps, input: AssessmentRequest): Promise<{ assessment: Assessment; created: boolean }> {
  const now = deps.now?.() ?? new Date();
  if (input.kind === "donation") {
    const signals = await recordDonationAttempt(deps.db, { id: randomUUID(), input }, deps.config, now);
    if (!signals) return earlierAssessment(deps.db, input.donationId ?? "");
    return storeAssessment(deps.db, input, assess(signals, deps.config), now);
  }
  return deps.db.transaction(async (tx) => storeAssessment(tx, input, assess(await campaignSignals(tx, input, now), deps.config), now));
}

/**
 * Stores an assessment, its review (decision review) and its `trust.decision`
 * outbox row in one statement; the review and the event only when the
 * assessment was stored, not when a concurrent call for the donation won
 * (then its assessment is the answer).
 */
async function storeAssessment(q: SqlQueryable, input: AssessmentRequest, verdict: Verdict, now: Date): Promise<{ assessment: Assessment; created: boolean }> {
  const id = randomUUID();
  const subjectId = input.kind === "donation" ? (input.donationId ?? id) : input.campaignId;
  const actorKey = input.kind === "donation" ? donorKey(input) : input.organizerId;
  const reviewId = verdict.decision === "review" ? randomUUID() : null;
  const assessment: Assessment = { id, kind: input.kind, subjectId, campaignId: input.campaignId, reviewId, createdAt: now.toISOString(), ...verdict };
  const { rows } = await q.query<{ id: string }>(
    `WITH inserted AS (
       INSERT INTO trust_assessments (id, kind, subject_id, campaign_id, actor_key, score, decision, reasons, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::timestamptz)
       ON CONFLICT (subject_id) WHERE kind = 'donation' DO NOTHING RETURNING id
     ), review AS (
       INSERT INTO trust_reviews (id, assessment_id, created_at) SELECT $10::uuid, id, $9::timestamptz FROM inserted WHERE $10::uuid IS NOT NULL
     ), outbox AS (
       INSERT INTO event_outbox (event_id, type, occurred_at, data) SELECT $11::uuid, $12::text, $13::timestamptz, $14::jsonb FROM inserted
     )
     SELECT id FROM inserted`,
    [id, input.kind, subjectId, input.campaignId, actorKey, verdict.score, verdict.decision, JSON.stringify(verdict.reasons), now.toISOString(),
      reviewId, ...outboxValues(decisionEvent(assessment, verdict.decision, now))],
  );
  if (rows.length === 0) return earlierAssessment(q, subjectId);
  return { assessment, created: true };
}

/** The `trust.decision` event of an assessment, or of the review that settled it (decision allow or block). */
export function decisionEvent(a: Pick<Assessment, "id" | "kind" | "subjectId" | "campaignId" | "score" | "reasons">, decision: Decision, now: Date) {
  return createEvent(
    "trust.decision",
    { assessmentId: a.id, kind: a.kind, subjectId: a.subjectId, campaignId: a.campaignId, score: a.score, decision, reasons: a.reasons.map((r) => r.code) },
    now,
  );
}

interface AssessmentRow {
  id: string;
  kind: "donation" | "campaign";
  subject_id: string;
  campaign_id: string;
  score: number;
  decision: Decision;
  reasons: Reason[] | string;
  review_id: string | null;
  created_at: Date | string;
}

export const ASSESSMENT_COLUMNS = `a.id, a.kind, a.subject_id, a.campaign_id, a.score, a.decision, a.reasons, a.created_at, r.id AS review_id`;

export function toAssessment(row: AssessmentRow): Assessment {
  return {
    id: row.id,
    kind: row.kind,
    subjectId: row.subject_id,
    campaignId: row.campaign_id,
    score: row.score,
    decision: row.decision,
    reasons: typeof row.reasons === "string" ? (JSON.parse(row.reasons) as Reason[]) : row.reasons,
    reviewId: row.review_id,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function findAssessment(q: SqlQueryable, id: string): Promise<Assessment | undefined> {
  const { rows } = await q.query<AssessmentRow>(
    `SELECT ${ASSESSMENT_COLUMNS} FROM trust_assessments a LEFT JOIN trust_reviews r ON r.assessment_id = a.id WHERE a.id = $1`,
    [id],
  );
  return rows[0] && toAssessment(rows[0]);
}

/** The first assessment of a donation that has one (a repeat, or a concurrent call that won). */
async function earlierAssessment(q: SqlQueryable, donationId: string): Promise<{ assessment: Assessment; created: false }> {
  const assessment = await findDonationAssessment(q, donationId);
  if (!assessment) throw new Error(`donation ${donationId} is assessed, yet its assessment was not found`);
  return { assessment, created: false };
}

async function findDonationAssessment(q: SqlQueryable, donationId: string): Promise<Assessment | undefined> {
  const { rows } = await q.query<AssessmentRow>(
    `SELECT ${ASSESSMENT_COLUMNS} FROM trust_assessments a LEFT JOIN trust_reviews r ON r.assessment_id = a.id
      WHERE a.kind = 'donation' AND a.subject_id = $1`,
    [donationId],
  );
  return rows[0] && toAssessment(rows[0]);
}
