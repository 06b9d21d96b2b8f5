import { migrateService, type Database } from "@blessed-horizon/service-kit";
import { bearer, flag, flagsDir, flagsDocument, testDatabases } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp, migrationsDir } from "../src/app.js";
import { trustTestConfig } from "./helpers.js";

const pglite = testDatabases().find((database) => database.kind === "pglite")!;

/** A higher per-campaign velocity limit for the campaigns listed (flagd targeting, JsonLogic `in`). */
const limitFlag = (raisedFor: string[]) =>
  flagsDocument({
    "trust-donor-campaign-per-hour": flag({ standard: 2, raised: 10 }, "standard", {
      if: [{ in: [{ var: "campaignId" }, raisedFor] }, "raised", null],
    }),
  });

// The real app and SDK reading a flags file: the limit follows the campaign, and a change applies while running.
describe("trust-service: donor_campaign_velocity's limit by campaign from the flags file", () => {
  let db: Database;
  let app: FastifyInstance;
  let payment: Record<string, string>;
  let flags: Awaited<ReturnType<typeof flagsDir>>;
  let n = 0;

  beforeAll(async () => {
    db = await pglite.open();
    await migrateService(db, migrationsDir);
    flags = await flagsDir();
    await flags.write(limitFlag(["camp-telethon"]));
    app = await buildApp({ config: trustTestConfig({ FLAGS_FILE: flags.path }), db });
    payment = await bearer({ sub: "payment-service", roles: ["admin"] });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await flags?.remove();
  });

  /** Reasons of a donation of `donorId` to `campaignId` (a fresh card and IP each, so only the donor rules can trip). */
  const reasons = async (donorId: string, campaignId: string) => {
    n += 1;
    const payload = { kind: "donation", donationId: `don-${n}`, campaignId, donorId, amount: { amount: 2500, currency: "USD" }, ip: `198.51.100.${n}`, cardFingerprint: `fingerprint-${n}` };
    const res = await app.inject({ method: "POST", url: "/api/v1/assessments", headers: payment, payload });
    expect(res.statusCode).toBe(201);
    return res.json<{ reasons: { code: string }[] }>().reasons.map((reason) => reason.code);
  };

  it("allows a donor a third gift an hour to a listed campaign, not to another; unlisted while running, the third trips", { timeout: 30_000 }, async () => {
    for (let i = 0; i < 2; i += 1) await reasons("donor-a", "camp-telethon");
    expect(await reasons("donor-a", "camp-telethon")).toEqual([]);
    for (let i = 0; i < 2; i += 1) await reasons("donor-a", "camp-other");
    expect(await reasons("donor-a", "camp-other")).toEqual(["donor_campaign_velocity"]);

    await flags.write(limitFlag([]));
    // A fresh donor per probe gives exactly three gifts: only the limit of 2 (not 10) trips on the third.
    let probe = 0;
    await vi.waitFor(
      async () => {
        const donor = `donor-probe-${++probe}`;
        for (let i = 0; i < 2; i += 1) await reasons(donor, "camp-telethon");
        expect(await reasons(donor, "camp-telethon")).toEqual(["donor_campaign_velocity"]);
      },
      { timeout: 15_000, interval: 300 },
    );
  });
});
