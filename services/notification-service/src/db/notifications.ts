import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import { outboxValues, type Queryable } from "@blessed-horizon/service-kit";
import type { Intent } from "../domain/plan.js";
import { chooseChannels, defaultPreferences, type Channel } from "../domain/preferences.js";
import { render } from "../domain/templates.js";
import { getRecipients, type Recipient } from "./recipients.js";

export type NotificationStatus = "pending" | "sent" | "dead";

export interface Notification {
  id: string;
  recipientId: string;
  channel: Channel;
  category: string;
  sourceEventId: string;
  template: string;
  locale: string;
  templateVersion: number;
  subject: string;
  body: string;
  address: string | null;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface NotificationRow {
  id: string;
  recipient_id: string;
  channel: Channel;
  category: string;
  source_event_id: string;
  template: string;
  locale: string;
  template_version: number;
  subject: string;
  body: string;
  address: string | null;
  status: NotificationStatus;
  attempts: number;
  next_attempt_at: Date | string | null;
  last_error: string | null;
  created_at: Date | string;
  sent_at: Date | string | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null) => (d === null ? null : iso(d));

export function toNotification(r: NotificationRow): Notification {
  return {
    id: r.id,
    recipientId: r.recipient_id,
    channel: r.channel,
    category: r.category,
    sourceEventId: r.source_event_id,
    template: r.template,
    locale: r.locale,
    templateVersion: r.template_version,
    subject: r.subject,
    body: r.body,
    address: r.address,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: isoOrNull(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: iso(r.created_at),
    sentAt: isoOrNull(r.sent_at),
  };
}

/**
 * Applies an event's intents once per consumer (the kit's inbox,
 * `processed_events`, as `processOnce` writes it): one row per enabled
 * channel, rendered in the recipient's locale. In-app messages are delivered
 * by being written (the feed reads them; `notification.delivered` goes to the
 * outbox with them); email and webhook wait for the dispatcher. The
 * recipients are read first, then one statement writes the inbox row, the
 * messages and their events (two round trips, one commit, instead of a
 * transaction with a statement per recipient and per message). Resolves
 * false, changing nothing, when the event was applied before.
 */
export async function enqueueIntents(q: Queryable, once: { consumer: string; eventId: string }, intents: Intent[], now: Date): Promise<boolean> {
  const recipients = intents.length === 0 ? new Map<string, Recipient>() : await getRecipients(q, intents.map((intent) => intent.recipientId));
  const sourceEventId = once.eventId;
  const messages = intents.flatMap((intent) => {
    const preferences = recipients.get(intent.recipientId)?.preferences ?? defaultPreferences();
    const { channels, email } = chooseChannels(preferences, intent.category, intent.email);
    const message = render(intent.template, preferences.locale, intent.vars);
    return channels.map((channel) => ({ id: randomUUID(), intent, channel, message, address: channel === "email" ? email : channel === "webhook" ? preferences.webhookUrl : null }));
  });
  const column = <T>(pick: (m: (typeof messages)[number]) => T) => messages.map(pick);
  const delivered = messages
    .filter((m) => m.channel === "in_app")
    .map((m) => ({
      notificationId: m.id,
      row: outboxValues(createEvent("notification.delivered", { notificationId: m.id, recipientId: m.intent.recipientId, channel: m.channel, category: m.intent.category, sourceEventId, attempts: 1 }, now)),
    }));
  // In-app messages are written sent (delivered by being in the feed); the others pending, due now.
  const { rows } = await q.query<{ applied: boolean }>(
    `WITH claimed AS (
       INSERT INTO processed_events (consumer, event_id) VALUES ($13, $14) ON CONFLICT DO NOTHING RETURNING event_id),
     written AS (
       INSERT INTO notifications (id, recipient_id, channel, category, source_event_id, template, locale, template_version,
         subject, body, address, status, attempts, next_attempt_at, created_at, sent_at)
       SELECT m.id, m.recipient_id, m.channel, m.category, $11, m.template, m.locale, m.template_version, m.subject, m.body, m.address,
              CASE WHEN m.channel = 'in_app' THEN 'sent' ELSE 'pending' END, CASE WHEN m.channel = 'in_app' THEN 1 ELSE 0 END,
              CASE WHEN m.channel = 'in_app' THEN NULL ELSE $12::timestamptz END, $12::timestamptz,
              CASE WHEN m.channel = 'in_app' THEN $12::timestamptz END
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[])
              AS m(id, recipient_id, channel, category, template, locale, template_version, subject, body, address)
        WHERE EXISTS (SELECT 1 FROM claimed)
       ON CONFLICT (source_event_id, recipient_id, channel, template) DO NOTHING RETURNING id),
     announced AS (
       INSERT INTO event_outbox (event_id, type, occurred_at, data)
       SELECT e.event_id, e.type, e.occurred_at, e.data::jsonb
         FROM unnest($15::uuid[], $16::uuid[], $17::text[], $18::timestamptz[], $19::text[]) AS e(notification_id, event_id, type, occurred_at, data)
         JOIN written w ON w.id = e.notification_id
       RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM claimed) AS applied, (SELECT count(*) FROM announced) AS announced`,
    [
      column((m) => m.id), column((m) => m.intent.recipientId), column((m) => m.channel), column((m) => m.intent.category),
      column((m) => m.message.template), column((m) => m.message.locale), column((m) => m.message.version),
      column((m) => m.message.subject), column((m) => m.message.text), column((m) => m.address),
      sourceEventId, now.toISOString(), once.consumer, once.eventId,
      delivered.map((d) => d.notificationId), ...([0, 1, 2, 3] as const).map((i) => delivered.map((d) => d.row[i])),
    ],
  );
  return rows[0]?.applied === true;
}

/** A recipient's in-app feed, newest first. */
export async function feed(q: Queryable, recipientId: string, options: { limit: number; before?: string | undefined }): Promise<Notification[]> {
  const { rows } = await q.query<NotificationRow>(
    `SELECT * FROM notifications WHERE recipient_id = $1 AND channel = 'in_app' AND ($2::timestamptz IS NULL OR created_at < $2::timestamptz)
      ORDER BY created_at DESC, id DESC LIMIT $3`,
    [recipientId, options.before ?? null, options.limit],
  );
  return rows.map(toNotification);
}

export async function listDeadLetters(q: Queryable, options: { limit: number }): Promise<Notification[]> {
  const { rows } = await q.query<NotificationRow>(`SELECT * FROM notifications WHERE status = 'dead' ORDER BY created_at, id LIMIT $1`, [options.limit]);
  return rows.map(toNotification);
}

export async function findNotification(q: Queryable, id: string): Promise<Notification | undefined> {
  const { rows } = await q.query<NotificationRow>("SELECT * FROM notifications WHERE id = $1", [id]);
  return rows[0] && toNotification(rows[0]);
}

/** Puts a dead letter back in the queue with a fresh set of attempts; undefined when it is not a dead letter. */
export async function replayDeadLetter(q: Queryable, id: string, now: Date): Promise<Notification | undefined> {
  const { rows } = await q.query<NotificationRow>(
    `UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = $2::timestamptz, lease_until = NULL
      WHERE id = $1 AND status = 'dead' RETURNING *`,
    [id, now.toISOString()],
  );
  return rows[0] && toNotification(rows[0]);
}
