import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { testConfig } from "../testing/index.js";
import { createServiceApp } from "./app.js";
import { MAX_LOGGED_QUERY_LENGTH } from "./log-url.js";

describe("request URLs in the logs", () => {
  let db: Database;
  let app: FastifyInstance;
  const lines: string[] = [];
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split("\n").filter(Boolean));
        done();
      },
    });
    const logger = pino({ level: "info" }, sink);
    app = await createServiceApp({
      name: "kit-test",
      version: "1.2.3",
      config: testConfig(),
      db,
      migrationsDir: await thingsMigrations(),
      logger,
      redactQueryParams: ["otp"],
    });
    app.get("/api/v1/unsubscribe", (_request, reply) => reply.send({ ok: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  /** The URL of the "request completed" line of one request. */
  const loggedUrl = async (url: string): Promise<string> => {
    const id = `log-url-${lines.length}`;
    await app.inject({ url, headers: { "x-request-id": id } });
    const line = lines.map((l) => JSON.parse(l) as { reqId?: string; msg: string; url?: string }).find((l) => l.reqId === id && l.msg === "request completed");
    if (line?.url === undefined) throw new Error(`no "request completed" line for ${url}`);
    return line.url;
  };

  it("redacts unsubscribe tokens and other credentials in query strings", async () => {
    expect(await loggedUrl("/api/v1/unsubscribe?token=uns.SECRET1&category=news")).toBe("/api/v1/unsubscribe?token=[REDACTED]&category=news");
    expect(await loggedUrl("/api/v1/unsubscribe?access_token=SECRET2&signature=SECRET3&page=2")).toBe(
      "/api/v1/unsubscribe?access_token=[REDACTED]&signature=[REDACTED]&page=2",
    );
    expect(await loggedUrl("/api/v1/unsubscribe?Token=SECRET4&%74oken=SECRET5&unsubscribeToken=SECRET6")).toBe(
      "/api/v1/unsubscribe?Token=[REDACTED]&%74oken=[REDACTED]&unsubscribeToken=[REDACTED]",
    );
    expect(await loggedUrl("/nowhere?token=SECRET7")).toBe("/nowhere?token=[REDACTED]");
    expect(lines.join("\n")).not.toMatch(/SECRET\d/);
  });

  it("redacts the parameters a service adds", async () => {
    expect(await loggedUrl("/api/v1/unsubscribe?otp=123456&category=news")).toBe("/api/v1/unsubscribe?otp=[REDACTED]&category=news");
  });

  it(`logs at most ${MAX_LOGGED_QUERY_LENGTH} characters of a query string, and says how much it left out`, async () => {
    const url = await loggedUrl(`/api/v1/unsubscribe?q=${"a".repeat(10_000)}&token=SECRET8`);
    expect(url.startsWith(`/api/v1/unsubscribe?q=aaaa`)).toBe(true);
    expect(url.length).toBeLessThan("/api/v1/unsubscribe?".length + MAX_LOGGED_QUERY_LENGTH + 40);
    expect(url).toMatch(/…\[\d+ more characters\]$/);
    expect(lines.join("\n")).not.toContain("SECRET8");
  });

  it("leaves URLs without credentials as they are", async () => {
    expect(await loggedUrl("/api/v1/unsubscribe?category=news&tokens=3")).toBe("/api/v1/unsubscribe?category=news&tokens=3");
    expect(await loggedUrl("/api/v1/unsubscribe")).toBe("/api/v1/unsubscribe");
  });
});
