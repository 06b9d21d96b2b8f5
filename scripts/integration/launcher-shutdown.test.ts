/**
 * `npm start` (scripts/start.ts) as a real process on free ports and fresh
 * data folders: payment-service takes no donation before trust-service is
 * ready, and Ctrl-C under a stream of donations stops payment-service before
 * the services it calls, so no donation gets a 503 and the launcher exits 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signToken } from "@blessed-horizon/service-kit";
import { freePort } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "blessed-horizon-launcher-test-secret-0123456789";
const SERVICES = ["campaign-service", "payment-service", "notification-service", "trust-service"] as const;
const prefix = (name: string) => name.toUpperCase().replaceAll("-", "_");
const WORKERS = 4;
const MAX_DONATIONS = 80;

let child: ChildProcess;
let exited: Promise<number | null>;
let output = "";
let dataRoot: string;
const urls: Record<string, string> = {};
/** What trust-service's /readyz said right after payment-service first answered a donation. */
let trustWhenPaymentAnswered: Promise<string>;

async function answer(url: string, init: RequestInit = {}): Promise<number | undefined> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined; // not listening (yet, or any more)
  }
}

function donation(campaignId: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify({
      campaignId, amount: { amount: 1_000, currency: "USD" }, email: `donor-${randomUUID()}@example.org`,
      card: { number: "4242 4242 4242 4242", expMonth: 12, expYear: 2034, cvc: "123" },
    }),
  };
}

/** Polls payment-service with donations from the launcher's start; once one is answered, asks trust-service whether it is ready. */
async function watchFirstDonation(): Promise<string> {
  const deadline = Date.now() + 90_000;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    const status = await answer(`${urls["payment-service"]}/api/v1/donations`, donation(randomUUID()));
    if (status !== undefined) {
      const trust = await answer(`${urls["trust-service"]}/readyz`);
      return trust === undefined ? "not listening" : String(trust);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return "payment-service never answered";
}

const untilReady = (url: string) =>
  vi.waitFor(async () => expect(await answer(`${url}/readyz`), `${url} not ready:\n${output}`).toBe(200), { timeout: 90_000, interval: 100 });

async function post(url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, url).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), "bh-launcher-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, NODE_ENV: "test", LOG_LEVEL: "warn", HOST: "127.0.0.1", JWT_SECRET: SECRET, SHUTDOWN_TIMEOUT_MS: "10000",
  };
  // In the order of the well-known ports (8081 campaign ... 8084 trust), as a plain `npm start` has them.
  const ports = (await Promise.all(SERVICES.map(() => freePort()))).sort((a, b) => a - b);
  for (const [i, name] of SERVICES.entries()) {
    const port = ports[i] ?? 0;
    urls[name] = `http://127.0.0.1:${port}`;
    env[`${prefix(name)}_PORT`] = String(port);
    env[`${prefix(name)}_DATA_DIR`] = join(dataRoot, name);
  }
  env.CAMPAIGN_SERVICE_URL = urls["campaign-service"];
  env.TRUST_SERVICE_URL = urls["trust-service"];
  child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "scripts/start.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  trustWhenPaymentAnswered = watchFirstDonation();
  for (const name of SERVICES) await untilReady(urls[name] ?? "");
}, 120_000);

afterAll(async () => {
  child?.kill("SIGKILL");
  await rm(dataRoot, { recursive: true, force: true });
});

describe("npm start", () => {
  it("takes no donation before trust-service is ready", async () => {
    expect(await trustWhenPaymentAnswered).toBe("200");
  });

  it("on Ctrl-C under a stream of donations stops payment-service first: every answer is 2xx or 4xx, and it exits 0", async () => {
    const token = await signToken({ sub: "launcher-test", roles: ["organizer", "trust"] }, SECRET, "10m");
    const campaigns = `${urls["campaign-service"]}/api/v1/campaigns`;
    const { id } = await post(campaigns, token, { title: "Shutdown drill", story: "Donations while the platform stops.", beneficiary: "Drill", goal: { amount: 1_000_000, currency: "USD" } });
    await post(`${campaigns}/${String(id)}/publish`, token);
    await post(`${campaigns}/${String(id)}/approve`, token);

    const statuses: number[] = [];
    let sent = 0;
    let signalled = false;
    const worker = async () => {
      while (sent < MAX_DONATIONS) {
        sent += 1;
        const status = await answer(`${urls["payment-service"]}/api/v1/donations`, donation(String(id)));
        if (status === undefined) return; // payment-service stopped listening
        statuses.push(status);
        if (!signalled && statuses.length >= 8) {
          signalled = true;
          child.kill("SIGINT"); // with donations in flight on the other workers
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 15_000))]);

    expect(signalled).toBe(true);
    expect(statuses.filter((s) => s >= 500), `statuses: ${statuses.join(" ")}`).toEqual([]);
    expect(statuses.filter((s) => s === 201 || s === 202).length).toBeGreaterThan(0);
    expect(code, output.slice(-3_000)).toBe(0);
  }, 60_000);
});
