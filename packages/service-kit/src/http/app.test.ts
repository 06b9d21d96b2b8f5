import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { json, kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { migrateService } from "../db/service-migrations.js";
import { NotFoundError } from "../errors.js";
import { bearer } from "../testing/index.js";
import { REDACTED_PATHS } from "./logger.js";
import type { ZodTypeProvider } from "./zod.js";

describe("createServiceApp", () => {
  let db: Database;
  let migrationsDir: string;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    migrationsDir = await thingsMigrations();
  });
  afterAll(async () => db.close());

  it("is alive at once but ready only when migrations are applied", async () => {
    const app = await kitApp(db, migrationsDir);
    expect((await app.inject("/healthz")).json()).toEqual({ status: "ok" });
    const notReady = await app.inject("/readyz");
    expect(notReady.statusCode).toBe(503);
    expect(notReady.headers["content-type"]).toContain("application/problem+json");
    expect(json(notReady)).toMatchObject({ code: "BH_NOT_READY" });
    await migrateService(db, migrationsDir);
    expect((await app.inject("/readyz")).json()).toEqual({ status: "ready" });
    await app.close();
  });

  it("is not ready when the database does not answer", async () => {
    const other = await openDatabase({ memory: true });
    const app = await kitApp(other, migrationsDir);
    await migrateService(other, migrationsDir);
    await other.close();
    const response = await app.inject("/readyz");
    expect(response.statusCode).toBe(503);
    expect(json(response).detail).toBe("the database does not answer");
    await app.close();
  });

  it("turns every failure into problem+json, and 5xx bodies carry no internals", async () => {
    const app = await kitApp(db, migrationsDir);
    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.post("/things", { schema: { body: z.strictObject({ name: z.string().min(1), count: z.number().int() }) } }, (request, reply) => reply.send(request.body));
    routes.get("/things/:id", () => Promise.reject(new NotFoundError("thing 7 does not exist")));
    routes.get("/boom", () => Promise.reject(new Error("password=hunter2 at /srv/app.js:12")));
    const post = (payload: string, contentType = "application/json") =>
      app.inject({ method: "POST", url: "/things", payload, headers: { "content-type": contentType } });

    const malformed = await post("{ nope");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(json(malformed)).toMatchObject({ status: 400, code: "BH_MALFORMED_JSON", instance: "/things", title: "Bad Request" });

    const wrongTypes = json(await post(JSON.stringify({ name: 5, extra: true })));
    expect(wrongTypes).toMatchObject({ status: 400, code: "BH_VALIDATION", type: "https://blessedhorizon.org/problems/validation" });
    expect(wrongTypes.errors).toEqual(
      expect.arrayContaining([
        { in: "body", path: "/name", message: expect.stringContaining("expected string") as string },
        { in: "body", path: "/count", message: "is required" },
      ]),
    );
    expect((await post(JSON.stringify({ name: "x", count: 1 }))).json()).toEqual({ name: "x", count: 1 });
    expect((await post("name=x", "application/x-www-form-urlencoded")).statusCode).toBe(415);
    expect((await post(JSON.stringify({ name: "x".repeat(2 * 1024 * 1024), count: 1 }))).statusCode).toBe(413);

    expect(json(await app.inject("/things/7"))).toMatchObject({ status: 404, code: "BH_NOT_FOUND", detail: "thing 7 does not exist" });
    expect(json(await app.inject("/nowhere?x=1"))).toMatchObject({ status: 404, code: "BH_ROUTE_NOT_FOUND", instance: "/nowhere" });

    const boom = await app.inject({ url: "/boom", headers: { "x-request-id": "trace-42" } });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain("hunter2");
    expect(boom.body).not.toContain("app.js");
    expect(json(boom)).toMatchObject({ code: "BH_INTERNAL", requestId: "trace-42" });
    await app.close();
  });

  it("echoes a sane x-request-id and replaces a strange one", async () => {
    const app = await kitApp(db, migrationsDir);
    expect((await app.inject({ url: "/healthz", headers: { "x-request-id": "abc-123" } })).headers["x-request-id"]).toBe("abc-123");
    const replaced = (await app.inject({ url: "/healthz", headers: { "x-request-id": "<script>" } })).headers["x-request-id"];
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    await app.close();
  });

  it("counts requests by route template and status on /metrics", async () => {
    const app = await kitApp(db, migrationsDir);
    app.get("/things/:id", (_request, reply) => reply.send({ ok: true }));
    await app.inject("/things/1");
    await app.inject("/things/2");
    await app.inject("/nowhere");
    const metrics = (await app.inject("/metrics")).body;
    expect(metrics).toContain('http_requests_total{service="kit-test",method="GET",route="/things/:id",status="200"} 2');
    expect(metrics).toContain('http_requests_total{service="kit-test",method="GET",route="unmatched",status="404"} 1');
    expect(metrics).toMatch(/http_request_duration_seconds_bucket\{le="0.005",service="kit-test",method="GET",route="\/things\/:id",status="200"\} \d/);
    expect(metrics).toContain("process_cpu_user_seconds_total");
    await app.close();
  });

  it("serves an OpenAPI document of the routes, with zod schemas as JSON Schema", async () => {
    const app = await kitApp(db, migrationsDir);
    app.withTypeProvider<ZodTypeProvider>().post(
      "/widgets",
      { schema: { body: z.object({ size: z.number().int() }), response: { 201: z.object({ id: z.string() }) } } },
      async (_request, reply) => reply.code(201).send({ id: "w1" }),
    );
    await app.ready();
    const document = (await app.inject("/openapi.json")).json<{ openapi: string; info: unknown; paths: Record<string, unknown> }>();
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: "kit-test", version: "1.2.3" });
    expect(JSON.stringify(document.paths["/widgets"])).toContain('"size":{"type":"integer"');
    expect(document.paths["/metrics"]).toBeUndefined();
    await app.close();
  });

  it("keeps tokens, cookies and card numbers out of the logs", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: "info", redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" } }, sink);
    const app = await kitApp(db, migrationsDir, logger);
    app.post("/pay", (request, reply) => {
      request.log.info({ headers: request.headers, payment: request.body }, "payment received");
      return reply.send({ ok: true });
    });
    const headers = { ...(await bearer({ sub: "alice", roles: ["donor"] })), cookie: "session=s3cr3t-cookie" };
    await app.inject({ method: "POST", url: "/pay", headers, payload: { cardNumber: "4242424242424242", cvc: "123", amount: 5 } });
    const log = lines.join("");
    expect(log).toContain("payment received");
    expect(log).toContain("request completed");
    expect(log).not.toContain("4242424242424242");
    expect(log).not.toContain("s3cr3t-cookie");
    expect(log).not.toContain(headers.authorization.slice(7));
    expect(log).toContain("[REDACTED]");
    await app.close();
  });
});
