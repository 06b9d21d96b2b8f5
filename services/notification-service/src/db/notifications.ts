import { randomUUID } from "node:crypto";
import { createEvent } from "@blessed-horizon/contracts";
import type { Queryable, WriteEvent } from "@blessed-horizon/service-kit";
import type { Intent } from "../domain/plan.js";
import { chooseChannels, defaultPreferences, type Channel } from "../domain/preferences.js";
import { render } from "../domain/templates.js";
import { getRecipients } from "./recipients.js";

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
 * Turns an event's intents into messages, in the consumer's transaction: one
 * row per enabled channel, rendered in the recipient's locale. In-app
 * messages are delivered by being written (the feed reads them); email and
 * webhook wait for the dispatcher. Returns how many wait for dispatch.
 * The recipients are read in one query and the messages written by one
 * INSERT (two round trips for an event, not two per message).
 */
export async function enqueueIntents(tx: Queryable, writeEvent: WriteEvent, sourceEventId: string, intents: Intent[], now: Date): Promise<number> {
  const recipients = await getRecipients(tx, intents.map((intent) => intent.recipientId));
  const messages = intents.flatMap((intent) => {
    const preferences = recipients.get(intent.recipientId)?.preferences ?? defaultPreferences();
    const { channels, email } = chooseChannels(preferences, intent.category, intent.email);
    const message = render(intent.template, preferences.locale, intent.vars);
    return channels.map((channel) => ({ id: randomUUID(), intent, channel, message, address: channel === "email" ? email : channel === "webhook" ? preferences.webhookUrl : null }));
  });
  if (messages.length === 0) return 0;
  const column = <T>(pick: (m: (typeof messages)[number]) => T) => messages.map(pick);
  // In-app messages are written sent (delivered by being in the feed); the others pending, due now.
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO notifications (id, recipient_id, channel, category, source_event_id, template, locale, template_version,
       subject, body, address, status, attempts, next_attempt_at, created_at, sent_at)
     SELECT m.id, m.recipient_id, m.channel, m.category, $11, m.template, m.locale, m.template_version, m.subject, m.body, m.address,
            CASE WHEN m.channel = 'in_app' THEN 'sent' ELSE 'pending' END, CASE WHEN m.channel = 'in_app' THEN 1 ELSE 0 END,
            CASE WHEN m.channel = 'in_app' THEN NULL ELSE $12::timestamptz END, $12::timestamptz,
            CASE WHEN m.channel = 'in_app' THEN $12::timestamptz END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[])
            AS m(id, recipient_id, channel, category, template, locale, template_version, subject, body, address)
     ON CONFLICT (source_event_id, recipient_id, channel, template) DO NOTHING RETURNING id`,
    [
      column((m) => m.id), column((m) => m.intent.recipientId), column((m) => m.channel), column((m) => m.intent.category),
      column((m) => m.message.template), column((m) => m.message.locale), column((m) => m.message.version),
      column((m) => m.message.subject), column((m) => m.message.text), column((m) => m.address),
      sourceEventId, now.toISOString(),
    ],
  );
  const written = new Set(rows.map((row) => row.id));
  let queued = 0;
  for (const { id, intent, channel } of messages) {
    if (!written.has(id)) continue;
    if (channel === "in_app") {
      await writeEvent(tx, createEvent("notification.delivered", { notificationId: id, recipientId: intent.recipientId, channel, category: intent.category, sourceEventId, attempts: 1 }, now));
    } else {
      queued += 1;
    }
  }
  return queued;
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
