import type { Database } from "@blessed-horizon/service-kit";
import { describeFailures, fuzzOpenApi, fuzzSettings, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alice, campaignApp, dan, seedCampaign, tara } from "./helpers.js";

// Issue 13 "done when": requests generated from /openapi.json, conforming and malformed; FUZZ_RUNS and FUZZ_SEED
// run it longer or elsewhere (packages/service-kit/README.md, "Fuzzing from the OpenAPI document").
const settings = fuzzSettings(process.env, 100);

describe.each(testDatabases())("campaign-service under requests generated from its OpenAPI document on $kind", (target) => {
  let db: Database;
  let app: FastifyInstance;
  let known: Record<string, string[]>;
  beforeAll(async () => {
    db = await target.open();
    app = await campaignApp(db);
    const active = await seedCampaign(app, await alice(), ["publish", "approve"]);
    const draft = await seedCampaign(app, await alice());
    known = { id: [active.id, draft.id], organizerId: ["alice"], status: ["active", "draft"], currency: ["USD", "KES"] };
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("answers every request below 500, and every 4xx as problem+json", { timeout: 120_000 }, async () => {
    const report = await fuzzOpenApi({ app, ...settings, auth: [await alice(), await tara(), await dan()], known });
    expect(describeFailures(report)).toBe("");
    // The generated requests got past authentication and lookups, not only into 4xx.
    expect(report.statuses[200] ?? 0).toBeGreaterThan(0);
    expect(report.statuses[201] ?? 0).toBeGreaterThan(0);
  });
});
