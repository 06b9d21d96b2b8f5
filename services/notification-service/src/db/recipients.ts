import { randomBytes } from "node:crypto";
import type { Queryable } from "@blessed-horizon/service-kit";
import { defaultPreferences, type Preferences } from "../domain/preferences.js";

export interface Recipient {
  id: string;
  preferences: Preferences;
  /** Signs this recipient's webhooks (`Blessed-Horizon-Signature`); created with the first webhook URL. */
  webhookSecret: string | null;
}

type RecipientRow = { id: string; preferences: Preferences; webhook_secret: string | null };

/** A recipient's preferences, the defaults when they never set any. */
export async function getRecipient(q: Queryable, id: string): Promise<Recipient> {
  return (await getRecipients(q, [id])).get(id) ?? toRecipient(id);
}

/** Several recipients in one query, by id; one with no row gets the defaults. */
export async function getRecipients(q: Queryable, ids: readonly string[]): Promise<Map<string, Recipient>> {
  const { rows } = await q.query<RecipientRow>("SELECT id, preferences, webhook_secret FROM notify_recipients WHERE id = ANY($1::text[])", [[...new Set(ids)]]);
  const found = new Map(rows.map((row) => [row.id, row]));
  return new Map(ids.map((id) => [id, toRecipient(id, found.get(id))]));
}

function toRecipient(id: string, row?: RecipientRow): Recipient {
  if (!row) return { id, preferences: defaultPreferences(), webhookSecret: null };
  // Categories added after the row was written get their defaults.
  const defaults = defaultPreferences();
  return { id, preferences: { ...defaults, ...row.preferences, channels: { ...defaults.channels, ...row.preferences.channels } }, webhookSecret: row.webhook_secret };
}

export async function saveRecipient(q: Queryable, id: string, preferences: Preferences): Promise<Recipient> {
  const secret = preferences.webhookUrl === null ? null : `whsec_${randomBytes(24).toString("base64url")}`;
  const { rows } = await q.query<{ webhook_secret: string | null }>(
    `INSERT INTO notify_recipients (id, preferences, webhook_secret, updated_at) VALUES ($1, $2::jsonb, $3, now())
     ON CONFLICT (id) DO UPDATE SET preferences = EXCLUDED.preferences, updated_at = now(),
       webhook_secret = COALESCE(notify_recipients.webhook_secret, EXCLUDED.webhook_secret)
     RETURNING webhook_secret`,
    [id, JSON.stringify(preferences), secret],
  );
  return { id, preferences, webhookSecret: rows[0].webhook_secret };
}
