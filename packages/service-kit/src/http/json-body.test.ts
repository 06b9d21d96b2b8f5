import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { MAX_JSON_DEPTH } from "./json-body.js";

describe("JSON request bodies", () => {
  let db: Database;
  let app: Awaited<ReturnType<typeof kitApp>>;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    app = await kitApp(db, await thingsMigrations());
    app.post("/echo", (request, reply) => reply.send({ received: request.body }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const post = (payload: string | Buffer) => app.inject({ method: "POST", url: "/echo", payload, headers: { "content-type": "application/json" } });
  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

  it("refuses JSON nested deeper than the limit with a 400 naming the limit, not a 500", async () => {
    for (const depth of [8_000, 100_000, MAX_JSON_DEPTH + 1]) {
      const response = await post(nested(depth));
      expect(response.statusCode).toBe(400);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(json(response)).toMatchObject({ status: 400, code: "BH_JSON_TOO_DEEP", detail: expect.stringContaining(`${MAX_JSON_DEPTH}`) as string });
    }
    const objects = await post('{"a":'.repeat(8_000) + "1" + "}".repeat(8_000));
    expect(json(objects)).toMatchObject({ status: 400, code: "BH_JSON_TOO_DEEP" });
  });

  it("accepts nesting up to the limit, and brackets inside strings do not count", async () => {
    expect((await post(nested(MAX_JSON_DEPTH))).statusCode).toBe(200);
    const text = { story: "[[[[{{{{".repeat(1_000) + '\\"]' };
    const response = await post(JSON.stringify(text));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: text });
  });

  it("refuses a body that is not valid UTF-8 instead of storing U+FFFD", async () => {
    const invalid = Buffer.concat([Buffer.from('{"title":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const response = await post(invalid);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(json(response)).toMatchObject({ code: "BH_INVALID_UTF8", detail: "the request body is not valid UTF-8" });
    expect((await post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).statusCode).toBe(400);
    const fine = await post(Buffer.from(JSON.stringify({ title: "café 💧" })));
    expect(fine.json()).toEqual({ received: { title: "café 💧" } });
  });

  it("still refuses malformed, empty and prototype-poisoning JSON with 400", async () => {
    expect(json(await post("{ nope"))).toMatchObject({ status: 400, code: "BH_MALFORMED_JSON" });
    expect(json(await post(""))).toMatchObject({ status: 400, code: "BH_MALFORMED_JSON" });
    expect(json(await post('{"__proto__":{"admin":true}}'))).toMatchObject({ status: 400 });
    expect(json(await post('{"a":{"constructor":{"prototype":{"admin":true}}}}'))).toMatchObject({ status: 400 });
  });
});
