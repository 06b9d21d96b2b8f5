import type { Queryable } from "../db/database.js";

/** What a stored key holds (a released claim holds nothing: it is claimed again, never replayed or waited for); `response` is undefined while the first request is still running. */
interface StoredKey {
  fingerprint: string;
  expired: boolean;
  abandoned: boolean;
  response: StoredResponse | undefined;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Keys are kept this long (Stripe keeps them at least 24 h). */
const IDEMPOTENCY_TTL_HOURS = 24;
/** A claim still in flight after this long belongs to a request that died with its process. */
const ABANDONED_AFTER_SECONDS = 300;

/**
 * Claims `key` for a new request, or takes over a claim that was released (a
 * 5xx), in one statement: undefined when a live row holds the key. `reclaimed`
 * says the key had a released claim, whose request may have had effects.
 * `xmax` is 0 on a row the INSERT created and non-zero on one ON CONFLICT DO
 * UPDATE rewrote (PostgreSQL 15 and PGlite alike).
 */
export async function claimKey(db: Queryable, key: string, fingerprint: string): Promise<{ reclaimed: boolean } | undefined> {
  const { rows } = await db.query<{ reclaimed: boolean }>(
    `insert into idempotency_keys (key, fingerprint) values ($1, $2)
     on conflict (key) do update set fingerprint = excluded.fingerprint, created_at = now(), released_at = null
      where idempotency_keys.released_at is not null
     returning xmax::text <> '0' as reclaimed`,
    [key, fingerprint],
  );
  return rows[0];
}

export async function findKey(db: Queryable, key: string): Promise<StoredKey | undefined> {
  const { rows } = await db.query<{
    fingerprint: string;
    expired: boolean;
    abandoned: boolean;
    response_status: number | null;
    response_headers: Record<string, string> | null;
    response_body: string | null;
  }>(
    `select fingerprint, response_status, response_headers, response_body,
            created_at < now() - make_interval(hours => $2) as expired,
            (completed_at is null and created_at < now() - make_interval(secs => $3)) as abandoned
       from idempotency_keys where key = $1 and released_at is null`,
    [key, IDEMPOTENCY_TTL_HOURS, ABANDONED_AFTER_SECONDS],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    fingerprint: row.fingerprint,
    expired: row.expired,
    abandoned: row.abandoned,
    response:
      row.response_status === null
        ? undefined
        : { status: row.response_status, headers: row.response_headers ?? {}, body: row.response_body ?? "" },
  };
}

/**
 * Deletes a key that is expired or abandoned, re-checking that in the same
 * statement, so a fresh claim of the same key made meanwhile survives, and so
 * does a claim released meanwhile (its next claim must know it was released).
 */
export async function dropStaleKey(db: Queryable, key: string): Promise<void> {
  await db.query(
    `delete from idempotency_keys
      where key = $1 and released_at is null
        and (created_at < now() - make_interval(hours => $2)
             or (completed_at is null and created_at < now() - make_interval(secs => $3)))`,
    [key, IDEMPOTENCY_TTL_HOURS, ABANDONED_AFTER_SECONDS],
  );
}

/**
 * Releases a claim whose request did not produce a storable response: the row
 * stays, marked released, until the key is claimed again or purged.
 */
export async function releaseKey(db: Queryable, key: string): Promise<void> {
  await db.query("update idempotency_keys set released_at = now() where key = $1 and completed_at is null and released_at is null", [key]);
}

export async function completeKey(db: Queryable, key: string, response: StoredResponse): Promise<void> {
  await db.query(
    `update idempotency_keys set completed_at = now(), response_status = $2, response_headers = $3, response_body = $4
      where key = $1 and completed_at is null and released_at is null`,
    [key, response.status, JSON.stringify(response.headers), response.body],
  );
}

/** Deletes keys older than 24 h, released ones too; returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Queryable): Promise<number> {
  const { rowCount } = await db.query("delete from idempotency_keys where created_at < now() - make_interval(hours => $1)", [
    IDEMPOTENCY_TTL_HOURS,
  ]);
  return rowCount;
}
