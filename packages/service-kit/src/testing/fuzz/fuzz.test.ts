import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import { kitApp, thingsMigrations } from "../../../test/helpers.js";
import type { Database } from "../../db/database.js";
import { openDatabase } from "../../db/database.js";
import type { ZodTypeProvider } from "../../http/zod.js";
import { answerViolation } from "./check-answer.js";
import { describeFailures, fuzzOpenApi, fuzzSettings } from "./run.js";

const problem = (status: number, extra: Record<string, unknown> = {}) => ({
  statusCode: status,
  headers: { "content-type": "application/problem+json; charset=utf-8", "x-request-id": "r-1" },
  body: JSON.stringify({ type: "https://x/problems/p", title: "T", status, detail: "d", instance: "/x", code: "BH_P", requestId: "r-1", ...extra }),
});

describe("answerViolation", () => {
  it("passes 2xx and the kit's problems, with or without errors[]", () => {
    expect(answerViolation({ statusCode: 200, headers: { "content-type": "text/html" }, body: "<p>" })).toBeUndefined();
    expect(answerViolation(problem(404))).toBeUndefined();
    expect(answerViolation(problem(400, { errors: [{ in: "body", path: "/a", message: "m" }] }))).toBeUndefined();
  });

  it("names a 5xx, a 4xx of another type, a body that is no problem and each missing or wrong field", () => {
    expect(answerViolation(problem(500))).toBe("answered 500");
    expect(answerViolation({ statusCode: 400, headers: { "content-type": "application/json" }, body: '{"error":"x"}' })).toMatch(/not application\/problem\+json/);
    expect(answerViolation({ ...problem(400), body: "oops" })).toMatch(/not JSON/);
    expect(answerViolation({ ...problem(400), body: "[]" })).toMatch(/not a JSON object/);
    expect(answerViolation(problem(400, { detail: undefined }))).toMatch(/"detail"/);
    expect(answerViolation(problem(400, { status: 422 }))).toMatch(/status 422 is not the HTTP status 400/);
    expect(answerViolation(problem(400, { code: "FST_ERR_X" }))).toMatch(/not a BH_ code/);
    expect(answerViolation(problem(400, { requestId: "other" }))).toMatch(/requestId/);
    expect(answerViolation(problem(400, { errors: [{ path: "/a" }] }))).toMatch(/errors\[\]/);
  });
});

describe("fuzzSettings", () => {
  it("reads FUZZ_RUNS and FUZZ_SEED, with CI's fixed seed by default, and refuses nonsense", () => {
    expect(fuzzSettings({}, 100)).toEqual({ seed: 20_261_201, runs: 100 });
    expect(fuzzSettings({ FUZZ_RUNS: "5000", FUZZ_SEED: "42" }, 100)).toEqual({ seed: 42, runs: 5000 });
    expect(Number.isInteger(fuzzSettings({ FUZZ_SEED: "random" }, 1).seed)).toBe(true);
    expect(() => fuzzSettings({ FUZZ_RUNS: "0" }, 1)).toThrow(/FUZZ_RUNS/);
    expect(() => fuzzSettings({ FUZZ_SEED: "abc" }, 1)).toThrow(/FUZZ_SEED/);
  });
});

/** A kit app with two deliberately broken routes: the fuzzer must find both, and leave the sound one alone. */
describe("fuzzOpenApi", () => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    app = await kitApp(db, await thingsMigrations());
    const typed = app.withTypeProvider<ZodTypeProvider>();
    const Body = z.object({ name: z.string().max(50), count: z.number().int().min(0).optional() });
    typed.post("/api/v1/sound", { schema: { body: Body } }, (request) => ({ ok: request.body.name }));
    // Trusts its input: throws on a name the schema allows but the handler does not expect.
    typed.post("/api/v1/trusting", { schema: { body: Body } }, (request) => {
      if (request.body.name.includes(" ")) throw new Error("unexpected space");
      return { ok: true };
    });
    // Answers its own errors in another shape.
    typed.get("/api/v1/own-errors/:id", { schema: { params: z.object({ id: z.string() }) } }, (request, reply) =>
      request.params.id.length > 3 ? reply.code(400).send({ error: "id too long" }) : { id: request.params.id },
    );
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("reports each operation answering a 5xx or a non-problem 4xx, with a request that shows it and the seed that replays it", async () => {
    const report = await fuzzOpenApi({ app, seed: 7, runs: 200 });
    expect(report.operations).toEqual(expect.arrayContaining(["POST /api/v1/sound", "POST /api/v1/trusting", "GET /api/v1/own-errors/{id}"]));
    expect(report.failures.map((f) => f.operation).sort()).toEqual(["GET /api/v1/own-errors/{id}", "POST /api/v1/trusting"]);
    const trusting = report.failures.find((f) => f.operation === "POST /api/v1/trusting");
    expect(trusting?.violation).toMatch(/^answered 500/);
    expect(trusting?.request).toMatch(/^POST \/api\/v1\/trusting .*body=.* /);
    expect(report.failures.find((f) => f.operation.startsWith("GET"))?.violation).toMatch(/not application\/problem\+json/);
    expect(describeFailures(report)).toContain("replay: FUZZ_SEED=7");
    expect(report.statuses[200]).toBeGreaterThan(0);
  });
});
