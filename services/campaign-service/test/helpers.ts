import type { Database } from "@blessed-horizon/service-kit";
import { migrateService } from "@blessed-horizon/service-kit";
import { bearer, testConfig } from "@blessed-horizon/service-kit/testing";
import type { FastifyInstance } from "fastify";
import { buildApp, migrationsDir } from "../src/app.js";

export const alice = () => bearer({ sub: "alice", roles: ["organizer"] });
export const bob = () => bearer({ sub: "bob", roles: ["organizer"] });
export const tara = () => bearer({ sub: "tara", roles: ["trust"] });
export const dan = () => bearer({ sub: "dan", roles: ["donor"] });

export const validCampaign = {
  title: "Clean water for Kisumu",
  story: "A borehole and a pump for 400 families.",
  beneficiary: "Kisumu Water Trust",
  goal: { amount: 1_500_000, currency: "KES" },
};

export async function campaignApp(db: Database, listCacheTtlMs = 0): Promise<FastifyInstance> {
  await migrateService(db, migrationsDir);
  return buildApp({ config: { ...testConfig(), LIST_CACHE_TTL_MS: listCacheTtlMs }, db });
}

export interface CampaignBody {
  id: string;
  status: string;
  title: string;
  organizerId: string;
  updatedAt: string;
  goal: { amount: number; currency: string };
}

/** Creates a campaign as `owner` and moves it through `actions` (trust approves). */
export async function seedCampaign(
  app: FastifyInstance,
  owner: Record<string, string>,
  actions: string[] = [],
  body: object = validCampaign,
): Promise<CampaignBody> {
  const created = await app.inject({ method: "POST", url: "/api/v1/campaigns", headers: owner, payload: body });
  if (created.statusCode !== 201) throw new Error(`seed failed: ${created.body}`);
  let campaign = created.json<CampaignBody>();
  for (const action of actions) {
    const headers = ["approve", "suspend", "reinstate"].includes(action) ? await tara() : owner;
    const response = await app.inject({ method: "POST", url: `/api/v1/campaigns/${campaign.id}/${action}`, headers });
    if (response.statusCode !== 200) throw new Error(`seed ${action} failed: ${response.body}`);
    campaign = response.json<CampaignBody>();
  }
  return campaign;
}

export async function snapshot(db: Database): Promise<unknown[]> {
  return (await db.query("select * from campaigns order by id")).rows;
}

/** How long `vi.waitFor` waits for what arrives by event (the relay polls every 100 ms; a bus retry backs off). */
export const eventually = { timeout: 5_000, interval: 10 };
