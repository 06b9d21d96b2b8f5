import { loadConfig, migrateService, type Database } from "@blessed-horizon/service-kit";
import { bearer, TEST_JWT_SECRET, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { notificationConfigSchema, unsubscribeSecret } from "../src/config.js";
import { signUnsubscribeToken } from "../src/domain/signing.js";

const config = loadConfig(notificationConfigSchema, { NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: "unused" });

/** Issue 13 case 4: bytes that are not UTF-8, and times PostgreSQL cannot store, are a 400 naming the problem. */
describe.each(testDatabases())("notification-service bad input on $kind", (target) => {
  let db: Database;
  let app: FastifyInstance;
  let token: string;
  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    app = await buildApp({ config, db });
    token = signUnsubscribeToken(unsubscribeSecret(config), { recipientId: "rcpt-utf8", category: "goal_reached" });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const unsubscribe = (payload: Buffer) =>
    app.inject({ method: "POST", url: `/api/v1/unsubscribe?token=${encodeURIComponent(token)}`, headers: { "content-type": "application/x-www-form-urlencoded" }, payload });
  const emailOn = async () => {
    const res = await app.inject({ url: "/api/v1/recipients/rcpt-utf8/preferences", headers: await bearer({ sub: "rcpt-utf8", roles: ["donor"] }) });
    return res.json<{ channels: Record<string, { email: boolean }> }>().channels.goal_reached.email;
  };
  const problem = (res: LightMyRequestResponse) => {
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    return res.json<{ code: string; detail: string; errors?: { in: string; path: string }[] }>();
  };

  it("refuses a one-click unsubscribe body that is not UTF-8, raw or percent-encoded, and changes nothing", async () => {
    const raw = problem(await unsubscribe(Buffer.concat([Buffer.from("List-Unsubscribe=One-Click"), Buffer.from([0xff])])));
    expect(raw.code).toBe("BH_INVALID_UTF8");
    expect(raw.detail).toMatch(/form body is not valid UTF-8/);
    const escaped = problem(await unsubscribe(Buffer.from("List-Unsubscribe=One%FFClick")));
    expect(escaped.code).toBe("BH_INVALID_UTF8");
    expect(escaped.errors).toEqual([expect.objectContaining({ in: "body", path: "/List-Unsubscribe" })]);
    const nul = problem(await unsubscribe(Buffer.from("List-Unsubscribe=One%00Click")));
    expect(nul.errors).toEqual([expect.objectContaining({ in: "body", path: "/List-Unsubscribe" })]);
    expect(await emailOn()).toBe(true);
  });

  it("still unsubscribes with RFC 8058's body", async () => {
    const res = await unsubscribe(Buffer.from("List-Unsubscribe=One-Click"));
    expect(res.statusCode).toBe(200);
    expect(await emailOn()).toBe(false);
  });

  it("answers a feed 'before' PostgreSQL cannot store (offset of 16 h or more, year 0000) with a 400 naming it", async () => {
    const admin = await bearer({ sub: "ops", roles: ["admin"] });
    for (const before of ["2026-01-01T00:00:00-20:00", "2026-01-01T00:00:00+16:00", "0000-01-01T00:00:00Z"]) {
      const res = await app.inject({ url: `/api/v1/recipients/rcpt-utf8/feed?before=${encodeURIComponent(before)}`, headers: admin });
      expect(problem(res).errors).toEqual([expect.objectContaining({ in: "querystring", path: "/before" })]);
    }
    for (const before of ["2026-01-01T00:00:00+15:59", "0001-01-01T00:00:00Z", "2026-01-01T00:00:00.123456Z"]) {
      const res = await app.inject({ url: `/api/v1/recipients/rcpt-utf8/feed?before=${encodeURIComponent(before)}`, headers: admin });
      expect(res.statusCode).toBe(200);
    }
  });
});
