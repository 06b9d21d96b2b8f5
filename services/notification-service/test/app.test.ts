import { createEvent } from "@blessed-horizon/contracts";
import { loadConfig, migrateService, writeOutbox, type Database } from "@blessed-horizon/service-kit";
import { bearer, countingStatements, TEST_JWT_SECRET, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { notificationConfigSchema, unsubscribeSecret } from "../src/config.js";
import { handleEvent } from "../src/consumers/notifications.js";
import { dispatchDue } from "../src/service/dispatcher.js";
import { signUnsubscribeToken } from "../src/domain/signing.js";

const config = loadConfig(notificationConfigSchema, { NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: "unused" });
const eur = (amount: number) => ({ amount, currency: "EUR" });
type Prefs = { locale: string; email: string | null; webhookUrl: string | null; webhookSecret: string | null; channels: Record<string, Record<string, boolean>> };
type Items = { items: { id: string; subject: string; category: string; status: string }[] };

describe.each(testDatabases())("notification-service HTTP on $kind", (target) => {
  let db: Database;
  let app: FastifyInstance;
  let organizer: Record<string, string>;
  let admin: Record<string, string>;
  let replays = 0;

  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    app = await buildApp({ config, db, onQueued: () => void replays++ });
    organizer = await bearer({ sub: "org-1", roles: ["organizer"] });
    admin = await bearer({ sub: "ops", roles: ["admin"] });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("lets a recipient read and change their preferences, never turning receipts off", async () => {
    const url = "/api/v1/recipients/org-1/preferences";
    const initial = await app.inject({ url, headers: organizer });
    expect(initial.statusCode).toBe(200);
    expect(initial.json<Prefs>()).toMatchObject({ recipientId: "org-1", locale: "en", email: null, webhookSecret: null, channels: { goal_reached: { email: true, in_app: true, webhook: true } } });

    const put = (payload: unknown, headers = organizer) => app.inject({ method: "PUT", url, headers, payload: payload as object });
    const updated = await put({ locale: "de", email: "Org@Example.org", webhookUrl: "https://hooks.example.org/bh", channels: { goal_reached: { email: false } } });
    expect(updated.statusCode).toBe(200);
    const prefs = updated.json<Prefs>();
    expect(prefs).toMatchObject({ locale: "de", email: "org@example.org", channels: { goal_reached: { email: false, in_app: true } } });
    expect(prefs.webhookSecret).toMatch(/^whsec_/);
    expect((await app.inject({ url, headers: organizer })).json<Prefs>().webhookSecret).toBe(prefs.webhookSecret);

    for (const bad of [{ locale: "fr" }, { webhookUrl: "file:///etc/passwd" }, { email: "nope" }, { channels: { spam: { email: false } } }, { colour: "blue" }]) {
      const res = await put(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.headers["content-type"]).toContain("application/problem+json");
    }
    const receipts = await put({ channels: { receipt: { email: false } } });
    expect(receipts.statusCode).toBe(400);
    expect(receipts.json()).toMatchObject({ code: "BH_RECEIPTS_MANDATORY", detail: expect.stringContaining("receipts cannot be turned off") });
  });

  it("shows a recipient's data only to them or an admin", async () => {
    expect((await app.inject({ url: "/api/v1/recipients/org-1/feed" })).statusCode).toBe(401);
    const other = await bearer({ sub: "org-2", roles: ["organizer"] });
    expect((await app.inject({ url: "/api/v1/recipients/org-1/feed", headers: other })).statusCode).toBe(403);
    expect((await app.inject({ method: "PUT", url: "/api/v1/recipients/org-1/preferences", headers: other, payload: {} })).statusCode).toBe(403);
    expect((await app.inject({ url: "/api/v1/recipients/org-1/feed", headers: admin })).statusCode).toBe(200);
    expect((await app.inject({ url: "/api/v1/recipients/org-1/feed?limit=0", headers: organizer })).statusCode).toBe(400);
    expect((await app.inject({ url: "/api/v1/recipients/org-1/feed?before=yesterday", headers: organizer })).statusCode).toBe(400);
    expect((await app.inject({ url: "/api/v1/recipients/org%00-1/feed", headers: admin })).statusCode).toBe(400);
    expect((await app.inject({ method: "PUT", url: "/api/v1/recipients/%ED%A0%80/preferences", headers: admin, payload: {} })).statusCode).toBe(400);
  });

  it("puts notices in the in-app feed, newest first, in the recipient's locale", async () => {
    await handleEvent({ db }, createEvent("campaign.goal_reached", { campaignId: "c1", organizerId: "org-1", title: "Clean water", goal: eur(10000), raised: eur(10500) }));
    await handleEvent({ db }, createEvent("campaign.suspended", { campaignId: "c1", organizerId: "org-1", reason: "review" }));
    const feed = (await app.inject({ url: "/api/v1/recipients/org-1/feed", headers: organizer })).json<Items>();
    expect(feed.items.map((i) => i.category)).toEqual(["campaign_suspended", "goal_reached"]);
    expect(feed.items[1].subject).toBe("Ihre Kampagne hat ihr Ziel erreicht");
    const page = (await app.inject({ url: "/api/v1/recipients/org-1/feed?limit=1", headers: organizer })).json<Items>();
    expect(page.items).toHaveLength(1);
  });

  it("queues a donation's messages, its inbox row and its in-app deliveries in one statement after one read of the recipients, once however often it is delivered", async () => {
    await app.inject({ method: "PUT", url: "/api/v1/recipients/org-2/preferences", headers: await bearer({ sub: "org-2", roles: ["organizer"] }), payload: { locale: "de" } });
    const { db: counted, statements } = countingStatements(db, "an event's messages need no transaction");
    const event = createEvent("donation.succeeded", {
      donationId: "d-batch", campaignId: "c2", organizerId: "org-2", email: "Guest@Example.org", amount: eur(2500), tip: eur(0), fee: eur(100),
    });
    expect(await handleEvent({ db: counted }, event)).toBe(true);
    // The recipients, then the inbox row, the messages and the two in-app deliveries announced.
    expect(statements).toHaveLength(2);
    expect(await handleEvent({ db: counted }, event)).toBe(false);
    const { rows } = await db.query<{ recipient_id: string; channel: string; status: string; locale: string; address: string | null }>(
      "SELECT recipient_id, channel, status, locale, address FROM notifications WHERE source_event_id = $1 ORDER BY recipient_id, channel",
      [event.eventId],
    );
    expect(rows).toEqual([
      { recipient_id: "guest@example.org", channel: "email", status: "pending", locale: "en", address: "guest@example.org" },
      { recipient_id: "guest@example.org", channel: "in_app", status: "sent", locale: "en", address: null },
      { recipient_id: "org-2", channel: "in_app", status: "sent", locale: "de", address: null },
    ]);
    const delivered = await db.query("SELECT 1 FROM event_outbox WHERE type = 'notification.delivered' AND data->>'sourceEventId' = $1", [event.eventId]);
    expect(delivered.rows).toHaveLength(2);
  });

  it("unsubscribes with one click (RFC 8058) and refuses forged or receipt links", async () => {
    const token = signUnsubscribeToken(unsubscribeSecret(config), { recipientId: "guest@example.org", category: "organizer_notice" });
    const page = await app.inject({ url: `/api/v1/unsubscribe?token=${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('method="post"');
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/unsubscribe?token=${token}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "List-Unsubscribe=One-Click",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ recipientId: "guest@example.org", category: "organizer_notice", email: false });
    const prefs = (await app.inject({ url: "/api/v1/recipients/guest@example.org/preferences", headers: admin })).json<Prefs>();
    expect(prefs.channels.organizer_notice).toEqual({ email: false, in_app: true, webhook: true });
    expect(prefs.channels.goal_reached.email).toBe(true);

    const forged = signUnsubscribeToken("another-secret-another-secret-123", { recipientId: "guest@example.org", category: "goal_reached" });
    const receipt = signUnsubscribeToken(unsubscribeSecret(config), { recipientId: "guest@example.org", category: "receipt" });
    for (const t of [forged, receipt, "x.y"]) {
      const bad = await app.inject({ method: "POST", url: `/api/v1/unsubscribe?token=${t}`, headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "List-Unsubscribe=One-Click" });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: "BH_BAD_UNSUBSCRIBE_TOKEN" });
    }
    expect((await app.inject({ method: "POST", url: "/api/v1/unsubscribe" })).statusCode).toBe(400);
  });

  it("lists dead letters for admins and replays each once", async () => {
    const event = createEvent("donation.succeeded", { donationId: "d-dead", campaignId: "c", email: "gone@example.org", amount: eur(100), tip: eur(0), fee: eur(0) });
    await handleEvent({ db }, event);
    const failing = { email: () => Promise.reject(new Error("550 mailbox unavailable")), webhook: () => Promise.reject(new Error("down")) };
    let clock = new Date("2032-01-01T00:00:00Z");
    for (let i = 0; i < 8; i++) {
      await dispatchDue({ db, senders: failing, writeEvent: writeOutbox, now: () => clock, random: () => 1 });
      clock = new Date(clock.getTime() + 3_600_001);
    }
    expect((await app.inject({ url: "/api/v1/dead-letters", headers: organizer })).statusCode).toBe(403);
    const list = (await app.inject({ url: "/api/v1/dead-letters", headers: admin })).json<Items>();
    const dead = list.items.find((i) => i.category === "receipt")!;
    expect(dead).toMatchObject({ status: "dead", lastError: "550 mailbox unavailable", attempts: 8 });

    const replay = (nid: string) => app.inject({ method: "POST", url: `/api/v1/dead-letters/${nid}/replay`, headers: admin });
    const first = await replay(dead.id);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ status: "pending", attempts: 0 });
    expect(replays).toBe(1);
    const again = await replay(dead.id);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: "BH_NOT_DEAD_LETTER" });
    expect((await replay("00000000-0000-4000-8000-000000000000")).statusCode).toBe(404);
    expect((await replay("not-a-uuid")).statusCode).toBe(400);
  });

  it("serves health, metrics and its OpenAPI document", async () => {
    expect((await app.inject({ url: "/readyz" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/metrics" })).body).toContain("http_requests_total");
    const spec = (await app.inject({ url: "/openapi.json" })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/api/v1/recipients/{id}/feed", "/api/v1/unsubscribe", "/api/v1/dead-letters/{id}/replay"]));
  });
});
