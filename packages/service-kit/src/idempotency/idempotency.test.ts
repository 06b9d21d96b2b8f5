import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { json, kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { migrateService } from "../db/service-migrations.js";
import type { ZodTypeProvider } from "../http/zod.js";
import { bearer, testDatabases } from "../testing/index.js";
import { requestFingerprint, type IdempotencyResume } from "./plugin.js";
import { purgeExpiredIdempotencyKeys } from "./store.js";

describe.each(testDatabases())("Idempotency-Key on $kind", ({ open }) => {
  let db: Database;
  let app: FastifyInstance;
  let alice: Record<string, string>;
  let failNext = false;
  let resume: IdempotencyResume = () => Promise.resolve("not-started");

  beforeAll(async () => {
    db = await open();
    const dir = await thingsMigrations();
    await migrateService(db, dir);
    app = await kitApp(db, dir);
    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.post(
      "/things",
      { schema: { body: z.object({ name: z.string(), extra: z.record(z.string(), z.number()).optional() }) }, onRequest: app.authenticate, config: { idempotency: "optional" } },
      async (request, reply) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (failNext) {
          failNext = false;
          throw new Error("provider timed out");
        }
        if (request.body.name === "taken") return reply.code(409).send({ conflict: true });
        const { rows } = await db.query<{ id: number }>("insert into things (name) values ($1) returning id", [request.body.name]);
        return reply.code(201).header("location", `/things/${rows[0].id}`).send({ id: rows[0].id, name: request.body.name, reclaimed: request.idempotencyClaim?.reclaimed });
      },
    );
    routes.post(
      "/resumable",
      { schema: { body: z.object({ name: z.string() }) }, onRequest: app.authenticate, config: { idempotency: "required", idempotencyResume: (request, reply, key) => resume(request, reply, key) } },
      async (request, reply) => reply.code(201).send({ ran: request.body.name }),
    );
    routes.post("/strict", { onRequest: app.authenticate, config: { idempotency: "required" } }, (_request, reply) => reply.send({ ok: true }));
    alice = await bearer({ sub: "alice", roles: ["donor"] });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const post = (key: string | undefined, body: unknown, headers = alice) =>
    app.inject({ method: "POST", url: "/things", payload: body as object, headers: { ...headers, ...(key ? { "idempotency-key": key } : {}) } });
  const count = async (name: string) =>
    Number((await db.query<{ n: number }>("select count(*)::int as n from things where name = $1", [name])).rows[0].n);

  it("stores the first response and replays it, without running the handler again", async () => {
    const first = await post("key-1", { name: "one" });
    expect(first.statusCode).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const again = await post("key-1", { name: "one" });
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.body).toBe(first.body);
    expect(await count("one")).toBe(1);
  });

  it("refuses the same key with another body (400)", async () => {
    await post("key-2", { name: "two" });
    const otherBody = await post("key-2", { name: "deux" });
    expect(otherBody.statusCode).toBe(400);
    expect(json(otherBody)).toMatchObject({ code: "BH_IDEMPOTENCY_KEY_REUSED" });
    expect(await count("deux")).toBe(0);
  });

  it("keeps each caller's keys apart: someone else's key is a new request, neither probed nor burnt", async () => {
    const first = await post("key-shared", { name: "alice-thing" });
    const bob = await bearer({ sub: "bob", roles: ["donor"] });
    const other = await post("key-shared", { name: "bob-thing" }, bob);
    expect(other.statusCode).toBe(201);
    expect(other.headers["idempotent-replayed"]).toBeUndefined();
    expect(json(other)).toMatchObject({ name: "bob-thing" });
    expect((await post("key-shared", { name: "bob-thing" }, bob)).headers["idempotent-replayed"]).toBe("true");
    expect((await post("key-shared", { name: "alice-thing" })).body).toBe(first.body);
    expect(await count("alice-thing")).toBe(1);
    expect(await count("bob-thing")).toBe(1);
  });

  it("treats the same body with its keys in another order as the same request", async () => {
    const first = await app.inject({ method: "POST", url: "/things", headers: { ...alice, "content-type": "application/json", "idempotency-key": "key-order" }, payload: '{"name":"ordered","extra":{"b":1,"a":2}}' });
    expect(first.statusCode).toBe(201);
    const again = await app.inject({ method: "POST", url: "/things", headers: { ...alice, "content-type": "application/json", "idempotency-key": "key-order" }, payload: '{"extra":{"a":2,"b":1},"name":"ordered"}' });
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(await count("ordered")).toBe(1);
  });

  it("runs exactly once under 50 concurrent requests with one key; the rest get 409 or the replay", async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => post("key-burst", { name: "burst" })));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201 && true).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(responses.filter((r) => r.statusCode === 201 && r.headers["idempotent-replayed"] === undefined)).toHaveLength(1);
    for (const conflict of responses.filter((r) => r.statusCode === 409)) {
      expect(json(conflict)).toMatchObject({ code: "BH_IDEMPOTENCY_IN_FLIGHT" });
    }
    expect(await count("burst")).toBe(1);
  });

  it("stores a 4xx from the handler, but releases the key after a 5xx so a retry runs", async () => {
    expect((await post("key-409", { name: "taken" })).statusCode).toBe(409);
    expect((await post("key-409", { name: "taken" })).headers["idempotent-replayed"]).toBe("true");
    failNext = true;
    expect((await post("key-500", { name: "retry" })).statusCode).toBe(500);
    const retry = await post("key-500", { name: "retry" });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(await count("retry")).toBe(1);
  });

  it("says when a claim takes over a key a 5xx released: a new key is not reclaimed, its retry is", async () => {
    expect(json(await post("key-fresh", { name: "fresh" }))).toMatchObject({ reclaimed: false });
    failNext = true;
    expect((await post("key-reclaim", { name: "reclaim" })).statusCode).toBe(500);
    const retry = await post("key-reclaim", { name: "reclaim" });
    expect([retry.statusCode, retry.headers["idempotent-replayed"]]).toEqual([201, undefined]);
    expect(json(retry)).toMatchObject({ name: "reclaim", reclaimed: true });
    const replayed = await post("key-reclaim", { name: "reclaim" });
    expect([replayed.headers["idempotent-replayed"], replayed.body]).toEqual(["true", retry.body]);
    expect(await count("reclaim")).toBe(1);
  });

  it("runs a released key's retry with another body, as a new request", async () => {
    failNext = true;
    expect((await post("key-rebody", { name: "first-body" })).statusCode).toBe(500);
    const other = await post("key-rebody", { name: "second-body" });
    expect(other.statusCode).toBe(201);
    expect(json(other)).toMatchObject({ name: "second-body", reclaimed: true });
    expect(await count("second-body")).toBe(1);
    expect((await post("key-rebody", { name: "first-body" })).statusCode).toBe(400);
  });

  it("never counts a released key as in flight: of concurrent retries exactly one runs, and none waits on the released claim", async () => {
    failNext = true;
    expect((await post("key-released-burst", { name: "released-burst" })).statusCode).toBe(500);
    const responses = await Promise.all(Array.from({ length: 20 }, () => post("key-released-burst", { name: "released-burst" })));
    const ran = responses.filter((r) => r.statusCode === 201 && r.headers["idempotent-replayed"] === undefined);
    expect(ran).toHaveLength(1);
    expect(json(ran[0])).toMatchObject({ reclaimed: true });
    expect(responses.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true);
    expect(await count("released-burst")).toBe(1);
    // Once the retry is done, nobody is told to wait.
    expect((await post("key-released-burst", { name: "released-burst" })).headers["idempotent-replayed"]).toBe("true");
  });

  it("claims nothing for a request that fails validation", async () => {
    expect((await post("key-invalid", { name: 5 })).statusCode).toBe(400);
    expect((await post("key-invalid", { name: "valid" })).statusCode).toBe(201);
  });

  it("checks the header, and requires it where the route says so", async () => {
    expect(json(await post("x".repeat(256), { name: "long" }))).toMatchObject({ code: "BH_IDEMPOTENCY_KEY_INVALID" });
    expect(json(await app.inject({ method: "POST", url: "/strict", headers: alice }))).toMatchObject({ code: "BH_IDEMPOTENCY_KEY_REQUIRED" });
    expect((await app.inject({ method: "POST", url: "/strict", headers: { ...alice, "idempotency-key": "s1" } })).statusCode).toBe(200);
    expect((await post(undefined, { name: "no-key" })).statusCode).toBe(201);
  });

  it("asks the route what an unfinished first request did, instead of running it again", async () => {
    // What a process that died mid-request leaves: a claim without a response.
    const claimLeft = (key: string, age = "0 seconds") => db.query(
      "insert into idempotency_keys (key, fingerprint, created_at) values ($1, $2, now() - $3::interval)",
      [`alice ${key}`, requestFingerprint({ method: "POST", url: "/resumable", body: { name: "r" } }), age],
    );
    const retry = (key: string) => app.inject({ method: "POST", url: "/resumable", payload: { name: "r" }, headers: { ...alice, "idempotency-key": key } });
    await claimLeft("k-running", "1 hour");
    resume = () => Promise.resolve("running");
    expect(json(await retry("k-running"))).toMatchObject({ status: 409, code: "BH_IDEMPOTENCY_IN_FLIGHT" });

    await claimLeft("k-done");
    const seen: string[] = [];
    resume = (_request, reply, key) => {
      seen.push(key);
      void reply.code(201).send({ resumed: true });
      return Promise.resolve("replied");
    };
    expect(json(await retry("k-done"))).toEqual({ resumed: true });
    expect(seen).toEqual(["alice k-done"]);
    resume = () => Promise.reject(new Error("a stored answer is replayed without asking"));
    const replayed = await retry("k-done");
    expect([replayed.statusCode, replayed.headers["idempotent-replayed"], replayed.body]).toEqual([201, "true", '{"resumed":true}']);

    resume = () => Promise.reject(new Error("the database is down"));
    await claimLeft("k-5xx", "1 hour");
    expect((await retry("k-5xx")).statusCode).toBe(500);
    resume = () => Promise.resolve("running");
    expect((await retry("k-5xx")).statusCode).toBe(409); // a failed resume never frees the key for a re-run

    resume = () => Promise.resolve("not-started");
    await claimLeft("k-fresh");
    expect((await retry("k-fresh")).statusCode).toBe(409); // nothing happened yet, but its request may still be running
    await claimLeft("k-abandoned", "1 hour");
    expect(json(await retry("k-abandoned"))).toEqual({ ran: "r" });
  });

  it("forgets keys after 24 hours", async () => {
    await post("key-old", { name: "old" });
    await db.query("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'alice key-old'");
    const reused = await post("key-old", { name: "old-new-meaning" });
    expect(reused.statusCode).toBe(201);
    expect(reused.headers["idempotent-replayed"]).toBeUndefined();
    await db.query("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'alice key-old'");
    failNext = true;
    expect((await post("key-old-released", { name: "old-released" })).statusCode).toBe(500);
    await db.query("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'alice key-old-released'");
    expect(await purgeExpiredIdempotencyKeys(db)).toBe(2);
    expect((await db.query("select 1 from idempotency_keys where key in ('alice key-old', 'alice key-old-released')")).rows).toHaveLength(0);
  });
});
