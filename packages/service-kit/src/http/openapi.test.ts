import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import type { ZodTypeProvider } from "./zod.js";

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}
type Document = { paths: Record<string, Record<string, { parameters?: Parameter[] }>> };

describe("the OpenAPI document", () => {
  let db: Database;
  let document: Document;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    const app = await kitApp(db, await thingsMigrations());
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const body = z.object({ n: z.number() });
    routes.post("/required", { schema: { body }, config: { idempotency: "required" } }, () => ({}));
    routes.post("/optional", { schema: { body, headers: z.object({ "x-trace": z.string() }) }, config: { idempotency: "optional" } }, () => ({}));
    routes.post("/plain", { schema: { body } }, () => ({}));
    await app.ready();
    document = (await app.inject("/openapi.json")).json<Document>();
    await app.close();
  });
  afterAll(async () => db.close());

  const idempotencyKey = (path: string) => document.paths[path]?.post?.parameters?.find((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key");

  it("declares the Idempotency-Key header a route requires, as the kit enforces it", () => {
    expect(idempotencyKey("/required")).toMatchObject({ required: true, schema: { type: "string", minLength: 1, maxLength: 255 } });
  });

  it("declares an optional Idempotency-Key as optional, next to the route's own headers", () => {
    expect(idempotencyKey("/optional")).toMatchObject({ required: false });
    expect(document.paths["/optional"]?.post?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: "header", name: "x-trace", required: true })]));
  });

  it("declares no Idempotency-Key where the route does not honour one", () => {
    expect(idempotencyKey("/plain")).toBeUndefined();
  });
});
