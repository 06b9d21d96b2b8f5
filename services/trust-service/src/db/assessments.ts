import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import type { TrustConfig } from "../domain/config.js";
import type { AssessmentRequest } from "../domain/input.js";
import { donorKey } from "../domain/input.js";
import { assess, type Decision, type Reason, type Verdict } from "../domain/rules.js";
import type { SqlDatabase, SqlQueryable, WriteEvent } from "@blessed-horizon/service-kit";
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
  writeEvent: WriteEvent;
  now?: () => Date;
}

/**
 * Assesses a donation or a campaign in one transaction: records the attempt,
 * counts, decides, stores the assessment, opens a review when the decision is
 * review, and writes `trust.decision` to the outbox. A donation already
 * assessed (same donationId) gets its first assessment back.
 */
export async function createAssessment(deps: AssessDeps, input: AssessmentRequest): Promise<{ assessment: Assessment; created: boolean }> {
  const now = deps.now?.() ?? new Date();
  return deps.db.transaction(async (tx) => {
    const id = randomUUID();
    let verdict: Verdict;
    if (input.kind === "donation") {
      // Recorded first, so that every count includes this attempt; nothing is recorded for a donation assessed already.
      const signals = await recordDonationAttempt(tx, { id: randomUUID(), input }, deps.config, now);
      if (!signals) return earlierAssessment(tx, input.donationId ?? "");
      verdict = assess(signals, deps.config);
    } else {
      verdict = assess(await campaignSignals(tx, input, now), deps.config);
    }
    const subjectId = input.kind === "donation" ? (input.donationId ?? id) : input.campaignId;
    const actorKey = input.kind === "donation" ? donorKey(input) : input.organizerId;
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO trust_assessments (id, kind, subject_id, campaign_id, actor_key, score, decision, reasons, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::timestamptz)
       ON CONFLICT (subject_id) WHERE kind = 'donation' DO NOTHING RETURNING id`,
      [id, input.kind, subjectId, input.campaignId, actorKey, verdict.score, verdict.decision, JSON.stringify(verdict.reasons), now.toISOString()],
    );
    if (inserted.rows.length === 0) {
      // A concurrent call for the same donation won; answer what it decided.
      return earlierAssessment(tx, subjectId);
    }
    let reviewId: string | null = null;
    if (verdict.decision === "review") {
      reviewId = randomUUID();
      await tx.query(`INSERT INTO trust_reviews (id, assessment_id, created_at) VALUES ($1, $2, $3::timestamptz)`, [reviewId, id, now.toISOString()]);
    }
    const assessment: Assessment = { id, kind: input.kind, subjectId, campaignId: input.campaignId, reviewId, createdAt: now.toISOString(), ...verdict };
    await deps.writeEvent(tx, decisionEvent(assessment, verdict.decision, now));
    return { assessment, created: true };
  });
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
