import type { Reason } from "../domain/rules.js";
import { ASSESSMENT_COLUMNS, decisionEvent, toAssessment, type Assessment } from "./assessments.js";
import type { SqlDatabase, SqlQueryable, WriteEvent } from "@blessed-horizon/service-kit";

export type ReviewStatus = "open" | "approved" | "rejected";

export interface Review {
  id: string;
  status: ReviewStatus;
  note: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
  assessment: Assessment;
}

interface ReviewRow {
  review_id: string;
  status: ReviewStatus;
  note: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  review_created_at: Date | string;
  id: string;
  kind: "donation" | "campaign";
  subject_id: string;
  campaign_id: string;
  score: number;
  decision: "allow" | "review" | "block";
  reasons: Reason[] | string;
  created_at: Date | string;
}

const SELECT_REVIEWS = `SELECT ${ASSESSMENT_COLUMNS}, r.status, r.note, r.decided_by, r.decided_at, r.created_at AS review_created_at
  FROM trust_reviews r JOIN trust_assessments a ON a.id = r.assessment_id`;

function toReview(row: ReviewRow): Review {
  return {
    id: row.review_id,
    status: row.status,
    note: row.note,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at).toISOString(),
    createdAt: new Date(row.review_created_at).toISOString(),
    assessment: toAssessment(row),
  };
}

/** Reviews, oldest first (a queue), optionally of one status. */
export async function listReviews(q: SqlQueryable, filter: { status?: ReviewStatus | undefined; limit: number }): Promise<Review[]> {
  const { rows } = await q.query<ReviewRow>(
    `${SELECT_REVIEWS} WHERE ($1::text IS NULL OR r.status = $1) ORDER BY r.created_at, r.id LIMIT $2`,
    [filter.status ?? null, filter.limit],
  );
  return rows.map(toReview);
}

export async function findReview(q: SqlQueryable, id: string): Promise<Review | undefined> {
  const { rows } = await q.query<ReviewRow>(`${SELECT_REVIEWS} WHERE r.id = $1`, [id]);
  return rows[0] && toReview(rows[0]);
}

export class ReviewNotFoundError extends Error {
  override readonly name = "ReviewNotFoundError";
}
export class ReviewAlreadyDecidedError extends Error {
  override readonly name = "ReviewAlreadyDecidedError";
}

/**
 * Settles an open review: approve lets the subject through (trust.decision
 * allow), reject blocks it (trust.decision block). A review is decided once.
 */
export async function decideReview(
  deps: { db: SqlDatabase; writeEvent: WriteEvent; now?: () => Date },
  id: string,
  input: { decision: "approve" | "reject"; note?: string | undefined; decidedBy: string },
): Promise<Review> {
  const now = deps.now?.() ?? new Date();
  return deps.db.transaction(async (tx) => {
    const status = input.decision === "approve" ? "approved" : "rejected";
    const updated = await tx.query<{ id: string }>(
      `UPDATE trust_reviews SET status = $2, note = $3, decided_by = $4, decided_at = $5::timestamptz
        WHERE id = $1 AND status = 'open' RETURNING id`,
      [id, status, input.note ?? null, input.decidedBy, now.toISOString()],
    );
    const review = await findReview(tx, id);
    if (!review) throw new ReviewNotFoundError(`review ${id} does not exist`);
    if (updated.rows.length === 0) throw new ReviewAlreadyDecidedError(`review ${id} was already ${review.status}`);
    await deps.writeEvent(tx, decisionEvent(review.assessment, input.decision === "approve" ? "allow" : "block", now));
    return review;
  });
}
