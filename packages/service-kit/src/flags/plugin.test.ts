import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/database.js";
import type { Database } from "../db/database.js";
import { createServiceApp } from "../http/app.js";
import { bearer, testConfig } from "../testing/index.js";
import { booleanFlag } from "./definitions.js";
import { flagContext } from "./plugin.js";
import { flag, flagsDir, flagsDocument } from "./test-support.js";

const beta = booleanFlag("beta-page", false, "the beta page");

describe("app.flags and flagContext in a kit app", () => {
  let db: Database;
  let app: FastifyInstance;
  let dir: Awaited<ReturnType<typeof flagsDir>>;

  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    dir = await flagsDir();
    // On for the signed-in user "ada" and for campaign c-1, off for everyone else.
    await dir.write(
      flagsDocument({
        "beta-page": flag({ on: true, off: false }, "off", {
          if: [{ or: [{ "==": [{ var: "targetingKey" }, "ada"] }, { "==": [{ var: "campaignId" }, "c-1"] }] }, "on", null],
        }),
      }),
    );
    app = await createServiceApp({ name: "kit-flags-test", version: "1.0.0", config: testConfig({ FLAGS_FILE: dir.path }), db });
    app.get("/context", { onRequest: app.identify }, async (request) => {
      const query = request.query as { campaignId?: string };
      const context = flagContext(request, { campaignId: query.campaignId });
      return { context, beta: await app.flags.get(beta, context) };
    });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    await dir.remove();
  });

  it("keys an anonymous request by its request id, a signed-in one by the caller; attributes reach the rules", async () => {
    const anonymous = (await app.inject({ url: "/context", headers: { "x-request-id": "req-42" } })).json();
    expect(anonymous).toEqual({ context: { targetingKey: "req-42" }, beta: false });

    const ada = (await app.inject({ url: "/context", headers: await bearer({ sub: "ada", roles: ["donor"] }) })).json();
    expect(ada).toEqual({ context: { targetingKey: "ada", userId: "ada" }, beta: true });

    const campaign = (await app.inject({ url: "/context?campaignId=c-1" })).json();
    expect(campaign).toMatchObject({ context: { campaignId: "c-1" }, beta: true });
  });
});
