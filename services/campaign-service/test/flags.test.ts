import type { Database } from "@blessed-horizon/service-kit";
import { flag, flagsDir, flagsDocument, testConfig, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { migrateService } from "@blessed-horizon/service-kit";
import { alice, seedCampaign } from "./helpers.js";

const pglite = testDatabases().find((database) => database.kind === "pglite")!;

/** The list-cache flag as an environment's file would carry it. */
const ttlFlag = (defaultVariant: "off" | "long") =>
  flagsDocument({ "campaign-list-cache-ttl-ms": flag({ off: 0, long: 60_000 }, defaultVariant) });

// The real service and the real OpenFeature SDK with flagd's provider reading a file:
// a flag change reaches the running app without a restart.
describe("campaign-service: the public list cache follows its flag while running", () => {
  let db: Database;
  let app: FastifyInstance;
  let otherReplica: FastifyInstance;
  let flags: Awaited<ReturnType<typeof flagsDir>>;

  beforeAll(async () => {
    db = await pglite.open();
    await migrateService(db, migrationsDir);
    flags = await flagsDir();
    await flags.write(ttlFlag("long"));
    // LIST_CACHE_TTL_MS=0 is the coded default: whatever caching happens comes from the flag.
    app = await buildApp({ config: { ...testConfig({ FLAGS_FILE: flags.path }), LIST_CACHE_TTL_MS: 0 }, db });
    otherReplica = await buildApp({ config: { ...testConfig(), LIST_CACHE_TTL_MS: 0 }, db });
  });
  afterAll(async () => {
    await app?.close();
    await otherReplica?.close();
    await db?.close();
    await flags?.remove();
  });

  const publicCount = async () => (await app.inject({ url: "/api/v1/campaigns?limit=100" })).json<{ data: unknown[] }>().data.length;

  it("serves the cached page while the flag says 60 s, and fresh pages once the file says 0", { timeout: 30_000 }, async () => {
    await seedCampaign(otherReplica, await alice(), ["publish", "approve"]);
    expect(await publicCount()).toBe(1);
    // Another replica's write does not clear this one's cache: the page stays as stored.
    await seedCampaign(otherReplica, await alice(), ["publish", "approve"]);
    expect(await publicCount()).toBe(1);

    await flags.write(ttlFlag("off"));
    await vi.waitFor(async () => expect(await publicCount()).toBe(2), { timeout: 15_000, interval: 200 });
    await seedCampaign(otherReplica, await alice(), ["publish", "approve"]);
    expect(await publicCount()).toBe(3);
  });
});
