import fastQueryString from "fast-querystring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import { json, kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { parseQueryString } from "./query-string.js";
import type { ZodTypeProvider } from "./zod.js";

describe("parseQueryString", () => {
  // The parser Fastify uses by default (fast-querystring lib/parse.js, via find-my-way): same answers for every valid query.
  it("parses valid queries as fast-querystring does", () => {
    for (const query of ["", "a=1", "a=1&b=2", "a=1&a=2&a=3", "a", "a=", "=x", "&&a=1&&", "a+b=c+d", "caf%C3%A9=%F0%9F%92%A7", "a=%2B%26%3D", "x=1=2", "__proto__=1", "a=%20"]) {
      expect(parseQueryString(query), query).toEqual({ ...fastQueryString.parse(query) });
    }
  });

  it("leaves a prototype untouched by a __proto__ parameter", () => {
    const parsed = parseQueryString("__proto__=polluted&constructor=x");
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(parsed.__proto__).toBe("polluted");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("a query that is not percent-encoded UTF-8", () => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    app = await kitApp(db, await thingsMigrations());
    app.withTypeProvider<ZodTypeProvider>().get("/search", { schema: { querystring: z.object({ q: z.string().optional(), tag: z.string().optional() }) } }, (request) => request.query);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("is a 400 BH_INVALID_UTF8 naming the parameter, where the raw escape used to arrive as its value", async () => {
    for (const [query, name] of [["q=%ff", "/q"], ["q=ok&tag=caf%E9", "/tag"], ["q=%c0%af", "/q"], ["q=%ed%a0%80", "/q"], ["%ff=1", "/%ff"]]) {
      const res = await app.inject({ url: `/search?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(json(res)).toMatchObject({ code: "BH_INVALID_UTF8", errors: [{ in: "querystring", path: name }] });
    }
  });

  it("still decodes valid UTF-8, plus signs and repeated names", async () => {
    const res = await app.inject({ url: "/search?q=caf%C3%A9+%F0%9F%92%A7" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ q: "café 💧" });
  });
});
