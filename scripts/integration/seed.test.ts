import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedCampaigns } from "../seed.js";
import { INTEGRATION_JWT_SECRET, startPlatform, type Platform } from "./platform.js";

/**
 * scripts/seed.ts, which the local pipeline and ci.yml run before the load
 * test: the campaigns it makes are active and listed publicly.
 */
let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({});
}, 120_000);
afterAll(() => platform.close());

describe("npm run seed", () => {
  it("creates, publishes and approves campaigns that the public list then shows", async () => {
    const ids = await seedCampaigns({ url: platform.urls["campaign-service"] ?? "", campaigns: 3, env: { JWT_SECRET: INTEGRATION_JWT_SECRET } });
    expect(ids).toHaveLength(3);
    // The public list shows active campaigns only (the cache may hold the previous page for a second).
    const listed = async () => {
      const page = (await (await fetch(`${platform.urls["campaign-service"]}/api/v1/campaigns?limit=100`)).json()) as { data?: { id: string; status?: string }[] };
      return (page.data ?? []).filter((c) => ids.includes(c.id));
    };
    const shown = await vi.waitFor(async () => {
      const page = await listed();
      expect(page.map((c) => c.id).sort()).toEqual([...ids].sort());
      return page;
    }, { timeout: 3_000, interval: 100 });
    expect(new Set(shown.map((c) => c.status))).toEqual(new Set(["active"]));
  });

  // The platform runs in this process: the script runs asynchronously, or it could not be answered.
  const seed = async (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number; stderr: string }> => {
    try {
      await promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", "scripts/seed.ts", ...args], { env });
      return { status: 0, stderr: "" };
    } catch (error) {
      const e = error as { code?: number; stderr?: string };
      return { status: e.code ?? -1, stderr: e.stderr ?? "" };
    }
  };

  it("refuses bad options with exit 2 and says why, before calling anything", async () => {
    const run = await seed(["--url", "campaign-service", "--campaigns", "0"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--url must be campaign-service's http(s) base URL");
  });

  it("exits 3 saying that nothing answers at an unreachable URL", async () => {
    const run = await seed(["--url", "http://127.0.0.1:65530", "--campaigns", "1"]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("http://127.0.0.1:65530 did not answer (ECONNREFUSED)");
  });

  it("exits 3 naming the refusal when the service does not accept the token", async () => {
    const run = await seed(["--url", platform.urls["campaign-service"] ?? "", "--campaigns", "1"], { ...process.env, JWT_SECRET: "not-the-platform-secret-0123456789abcdef" });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("answered 401");
  });
});
