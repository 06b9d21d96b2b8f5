import { mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createEventBus, openDatabase, type RunningService, type StartOptions } from "@blessed-horizon/service-kit";
import { freePort } from "@blessed-horizon/service-kit/testing";
import { planServices, variablePrefix } from "../start.js";

const servicesDir = fileURLToPath(new URL("../../services", import.meta.url));

export const INTEGRATION_JWT_SECRET = "blessed-horizon-integration-secret-0123456789";


/**
 * With a PostgreSQL server (TEST_DATABASE_URL), one fresh database per service,
 * dropped on close (others use the server at the same time); without, each
 * service uses embedded PGlite in a temporary folder.
 */
async function serviceDatabases(names: string[], serverUrl: string | undefined): Promise<{ urls: Record<string, string>; drop(): Promise<void> }> {
  if (!serverUrl) return { urls: {}, drop: () => Promise.resolve() };
  const admin = await openDatabase({ url: serverUrl, poolMax: 1 });
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const dbNames = Object.fromEntries(names.map((name) => [name, `bh_it_${suffix}_${name.replaceAll("-", "_")}`]));
  try {
    for (const db of Object.values(dbNames)) await admin.query(`CREATE DATABASE ${db}`);
  } catch (error) {
    await admin.close();
    throw error;
  }
  const urls = Object.fromEntries(names.map((name) => {
    const url = new URL(serverUrl);
    url.pathname = `/${dbNames[name]}`;
    return [name, url.toString()];
  }));
  return {
    urls,
    drop: async () => {
      for (const db of Object.values(dbNames)) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      await admin.close();
    },
  };
}

export interface Platform {
  urls: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts every service of services/* in this process with the launcher's own
 * plan (scripts/start.ts: ports, data dirs, one shared bus from
 * createEventBus), on free ports and fresh embedded databases, so it runs
 * beside anything else on the machine. `env` adds settings (NATS_URL, SMTP_URL...).
 * Databases: see serviceDatabases.
 */
export async function startPlatform(env: Record<string, string>): Promise<Platform> {
  const names = (await readdir(servicesDir)).filter((name) => existsSync(join(servicesDir, name, "src", "main.ts")));
  const dataRoot = await mkdtemp(join(tmpdir(), "bh-integration-"));
  const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()] as const)));
  const url = (name: string) => `http://127.0.0.1:${ports[name]}`;
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, NODE_ENV: "test", LOG_LEVEL: process.env.INTEGRATION_LOG_LEVEL ?? "error", HOST: "127.0.0.1",
    JWT_SECRET: INTEGRATION_JWT_SECRET,
    CAMPAIGN_SERVICE_URL: url("campaign-service"), TRUST_SERVICE_URL: url("trust-service"),
    NOTIFY_POLL_MS: "100", NOTIFY_RETRY_BASE_MS: "100", OUTBOX_POLL_MS: "100",
    ...env,
  };
  const databases = await serviceDatabases(names, process.env.TEST_DATABASE_URL);
  for (const name of names) {
    base[`${variablePrefix(name)}_PORT`] = String(ports[name]);
    base[`${variablePrefix(name)}_DATA_DIR`] = join(dataRoot, name);
    const databaseUrl = databases.urls[name];
    if (databaseUrl) base[`${variablePrefix(name)}_DATABASE_URL`] = databaseUrl;
  }
  const bus = await createEventBus(base);
  const running: RunningService[] = [];
  const close = async () => {
    await Promise.allSettled(running.reverse().map((s) => s.close()));
    await bus.close();
    await databases.drop();
    await rm(dataRoot, { recursive: true, force: true });
  };
  try {
    for (const plan of planServices(names, base, servicesDir)) {
      const module = (await import(pathToFileURL(plan.entry).href)) as { startService: (options: StartOptions) => Promise<RunningService> };
      running.push(await module.startService({ env: plan.env, port: plan.port, host: "127.0.0.1", bus }));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { urls: Object.fromEntries(names.map((name) => [name, url(name)])), close };
}
