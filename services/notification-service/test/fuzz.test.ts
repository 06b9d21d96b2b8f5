import { loadConfig, migrateService, type Database } from "@blessed-horizon/service-kit";
import { bearer, describeFailures, fuzzOpenApi, fuzzSettings, TEST_JWT_SECRET, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { notificationConfigSchema, unsubscribeSecret } from "../src/config.js";
import { signUnsubscribeToken } from "../src/domain/signing.js";

// Issue 13 "done when": requests generated from /openapi.json, conforming and malformed; FUZZ_RUNS and FUZZ_SEED
// run it longer or elsewhere (packages/service-kit/README.md, "Fuzzing from the OpenAPI document").
const settings = fuzzSettings(process.env, 100);
const config = loadConfig(notificationConfigSchema, { NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: "unused" });

describe.each(testDatabases())("notification-service under requests generated from its OpenAPI document on $kind", (target) => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await target.open();
    await migrateService(db, migrationsDir);
    app = await buildApp({ config, db });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("answers every request below 500, and every 4xx as problem+json", { timeout: 120_000 }, async () => {
    const secret = unsubscribeSecret(config);
    const report = await fuzzOpenApi({
      app,
      ...settings,
      auth: [await bearer({ sub: "org-1", roles: ["organizer"] }), await bearer({ sub: "ops", roles: ["admin"] })],
      known: {
        id: ["org-1"],
        token: [signUnsubscribeToken(secret, { recipientId: "org-1", category: "goal_reached" }), signUnsubscribeToken(secret, { recipientId: "org-1", category: "receipt" })],
        locale: ["en", "de"],
      },
    });
    expect(describeFailures(report)).toBe("");
    expect(report.statuses[200] ?? 0).toBeGreaterThan(0);
  });
});
