import { createEvent } from "@blessed-horizon/contracts";
import { migrateService, writeOutbox, type Database } from "@blessed-horizon/service-kit";
import { countingStatements, testDatabases } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../src/app.js";
import { createEmailChannel } from "../src/clients/email.js";
import { createWebhookChannel, SIGNATURE_HEADER } from "../src/clients/webhook.js";
import { handleEvent } from "../src/consumers/notifications.js";
import { feed, listDeadLetters, replayDeadLetter } from "../src/db/notifications.js";
import { getRecipient, saveRecipient } from "../src/db/recipients.js";
import { dispatchDue, type DispatchDeps } from "../src/service/dispatcher.js";
import { applyPreferences } from "../src/domain/preferences.js";
import { verifyUnsubscribeToken, verifyWebhook } from "../src/domain/signing.js";
import { header, startSmtp, startWebhookReceiver } from "./helpers.js";

const eur = (amount: number) => ({ amount, currency: "EUR" });
const SECRET = "unsubscribe-secret-for-tests-0123456789";
let n = 0;
const id = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

describe.each(testDatabases())("notification delivery on $kind", (target) => {
  let db: Database;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let email: ReturnType<typeof createEmailChannel>;
  let dispatch: (over?: Partial<DispatchDeps>) => ReturnType<typeof dispatchDue>;
  const deps = () => ({ db });
  const outbox = async (type: string) =>
    (await db.query<{ data: Record<string, unknown> }>("SELECT data FROM event_outbox WHERE type = $1 ORDER BY position", [type])).rows.map((r) => r.data);

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    smtp = await startSmtp({ refuse: (a) => a.startsWith("bounce") });
    receiver = await startWebhookReceiver();
    email = createEmailChannel({ smtpUrl: smtp.url, from: "Blessed Horizon <no-reply@bh.example>", publicUrl: "https://notify.bh.example", unsubscribeSecret: SECRET });
    dispatch = (over = {}) =>
      dispatchDue({ db, senders: { email: email.send, webhook: createWebhookChannel(db, { timeoutMs: 2000 }) }, writeEvent: writeOutbox, ...over });
  });
  afterAll(async () => {
    email?.close();
    await smtp?.close();
    await receiver?.close();
    await db?.close();
  });

  it("emails the donor a receipt, tells the organizer by email, in-app and signed webhook, once per event", async () => {
    const organizerId = id("org");
    const current = await getRecipient(db, organizerId);
    const saved = await saveRecipient(db, organizerId, applyPreferences(current.preferences, { email: "Org@Example.org", webhookUrl: receiver.url, locale: "de" }));
    const event = createEvent("donation.succeeded", {
      donationId: id("don"), campaignId: "wells", organizerId, email: "ana@example.org", amount: eur(2500), tip: eur(100), fee: eur(60),
    });
    expect(await handleEvent(deps(), event)).toBe(true);
    expect(await handleEvent(deps(), event)).toBe(false);
    expect(await dispatch()).toEqual({ sent: 3, retrying: 0, deadLettered: 0 });
    expect(await dispatch()).toEqual({ sent: 0, retrying: 0, deadLettered: 0 });

    const receipt = smtp.mails.find((m) => m.to.includes("ana@example.org"))!;
    expect(header(receipt.raw, "Subject")).toBe("Thank you for your donation of 25.00 EUR");
    expect(header(receipt.raw, "List-Unsubscribe")).toBeUndefined();

    const notice = smtp.mails.find((m) => m.to.includes("org@example.org"))!;
    expect(header(notice.raw, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const link = /<(https:\/\/notify\.bh\.example\/api\/v1\/unsubscribe\?token=[^>]+)>/.exec(header(notice.raw, "List-Unsubscribe")!)![1];
    expect(verifyUnsubscribeToken(SECRET, new URL(link).searchParams.get("token")!)).toEqual({ recipientId: organizerId, category: "organizer_notice" });

    const hook = receiver.hooks.at(-1)!;
    expect(verifyWebhook(saved.webhookSecret!, hook.body, String(hook.headers[SIGNATURE_HEADER]))).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({ recipientId: organizerId, category: "organizer_notice", locale: "de", subject: "Neue Spende über 25.00 EUR" });

    const orgFeed = await feed(db, organizerId, { limit: 10 });
    expect(orgFeed.map((f) => f.subject)).toEqual(["Neue Spende über 25.00 EUR"]);
    expect((await feed(db, "ana@example.org", { limit: 10 }))[0]).toMatchObject({ category: "receipt", templateVersion: 1, locale: "en" });
    const delivered = (await outbox("notification.delivered")).filter((d) => d.sourceEventId === event.eventId);
    expect(delivered.map((d) => d.channel).sort()).toEqual(["email", "email", "in_app", "in_app", "webhook"]);
  });

  it("marks a delivered email sent and announces it in one statement, no transaction", async () => {
    const event = createEvent("donation.succeeded", { donationId: id("don"), campaignId: "c-one", email: "one@example.org", amount: eur(700), tip: eur(0), fee: eur(20) });
    expect(await handleEvent(deps(), event)).toBe(true);
    const { db: counted, statements } = countingStatements(db, "a delivery needs no transaction");
    expect(await dispatch({ db: counted, senders: { email: email.send, webhook: () => Promise.reject(new Error("no webhook here")) } })).toEqual({ sent: 1, retrying: 0, deadLettered: 0 });
    // The claim, then one statement for the delivery.
    expect(statements).toHaveLength(2);
    const sent = await db.query<{ status: string; attempts: number }>("SELECT status, attempts FROM notifications WHERE source_event_id = $1 AND channel = 'email'", [event.eventId]);
    expect(sent.rows).toEqual([{ status: "sent", attempts: 1 }]);
    const delivered = (await outbox("notification.delivered")).filter((d) => d.sourceEventId === event.eventId);
    expect(delivered.map((d) => d.channel).sort()).toEqual(["email", "in_app"]);
  });

  it("retries a refused email with growing full-jitter backoff, dead-letters it after 8 attempts, and replays it", async () => {
    const event = createEvent("donation.refunded", {
      donationId: id("don"), campaignId: "c", donorId: id("bounce-donor"), email: "bounce@example.org", refundId: "r1",
      amount: eur(500), totalRefunded: eur(500), captured: eur(2500),
    });
    await handleEvent(deps(), event);
    let clock = new Date("2030-01-01T00:00:00Z");
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const result = await dispatch({ now: () => clock, random: () => 0.5 });
      expect(result).toEqual(attempt < 8 ? { sent: 0, retrying: 1, deadLettered: 0 } : { sent: 0, retrying: 0, deadLettered: 1 });
      const { rows } = await db.query<{ next_attempt_at: Date | null; attempts: number }>(
        "SELECT next_attempt_at, attempts FROM notifications WHERE source_event_id = $1 AND channel = 'email'", [event.eventId],
      );
      expect(rows[0].attempts).toBe(attempt);
      if (rows[0].next_attempt_at) {
        delays.push(new Date(rows[0].next_attempt_at).getTime() - clock.getTime());
        expect(await dispatch({ now: () => clock })).toEqual({ sent: 0, retrying: 0, deadLettered: 0 }); // not due yet
        clock = new Date(rows[0].next_attempt_at);
      }
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000]);
    const dead = (await listDeadLetters(db, { limit: 100 })).find((d) => d.sourceEventId === event.eventId)!;
    expect(dead).toMatchObject({ status: "dead", attempts: 8, channel: "email", lastError: expect.stringContaining("550") });
    expect((await outbox("notification.failed")).filter((d) => d.sourceEventId === event.eventId)).toHaveLength(7);
    expect((await outbox("notification.dead_lettered")).filter((d) => d.sourceEventId === event.eventId)).toEqual([
      expect.objectContaining({ notificationId: dead.id, attempts: 8 }),
    ]);
    const replayed = await replayDeadLetter(db, dead.id, clock);
    expect(replayed).toMatchObject({ status: "pending", attempts: 0 });
    expect(await replayDeadLetter(db, dead.id, clock)).toBeUndefined();
  });

  it("retries a webhook that answers 500 and delivers once it answers 200", async () => {
    const organizerId = id("hooked");
    await saveRecipient(db, organizerId, applyPreferences((await getRecipient(db, organizerId)).preferences, { webhookUrl: receiver.url }));
    receiver.answer(500);
    const event = createEvent("campaign.suspended", { campaignId: "c9", organizerId, reason: "documents missing" });
    await handleEvent(deps(), event);
    const state = async () =>
      (await db.query<{ status: string; attempts: number; last_error: string | null }>(
        "SELECT status, attempts, last_error FROM notifications WHERE source_event_id = $1 AND channel = 'webhook'", [event.eventId],
      )).rows[0];
    const clock = new Date("2031-01-01T00:00:00Z");
    await dispatch({ now: () => clock, random: () => 0 });
    expect(await state()).toEqual({ status: "pending", attempts: 1, last_error: "webhook answered 500" });
    receiver.answer(200);
    await dispatch({ now: () => clock });
    expect(await state()).toEqual({ status: "sent", attempts: 2, last_error: null });
    expect(JSON.parse(receiver.hooks.at(-1)!.body)).toMatchObject({ category: "campaign_suspended", text: expect.stringContaining("documents missing") });
  });

  it("records email without a mail server when SMTP_URL is unset", async () => {
    const recordOnly = createEmailChannel({ smtpUrl: undefined, from: "a@b.example", publicUrl: "http://localhost:8083", unsubscribeSecret: SECRET });
    expect(recordOnly.mode).toBe("record-only");
    await expect(recordOnly.send({ id: "x", recipientId: "r", category: "goal_reached", address: "r@example.org", subject: "s", body: "b" } as never)).resolves.toBeUndefined();
    await expect(recordOnly.send({ id: "x", recipientId: "r", category: "receipt", address: null, subject: "s", body: "b" } as never)).rejects.toThrow("no email address");
    recordOnly.close();
  });
});
