/**
 * `npm start`: every service of services/* in one Node process, each on its
 * own port with its own embedded database under .data/<service>, sharing one
 * event bus. Ctrl-C (SIGINT) or SIGTERM closes them all gracefully.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as kit from "@blessed-horizon/service-kit";
import type { EventBus, RunningService, StartOptions } from "@blessed-horizon/service-kit";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Well-known ports; services not listed get the next ones after 8084. */
export const KNOWN_PORTS: Readonly<Record<string, number>> = {
  "campaign-service": 8081,
  "payment-service": 8082,
  "notification-service": 8083,
  "trust-service": 8084,
};

export interface ServicePlan {
  name: string;
  entry: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

/** CAMPAIGN_SERVICE_PORT for campaign-service, and so on. */
export function variablePrefix(name: string): string {
  return name.toUpperCase().replaceAll("-", "_");
}

/** Pure: which services start, in which order (by port), on which port, with which environment. */
export function planServices(names: readonly string[], env: NodeJS.ProcessEnv, servicesDir: string): ServicePlan[] {
  let nextPort = 8085;
  const plans = [...names].sort().map((name) => {
    const prefix = variablePrefix(name);
    const override = env[`${prefix}_PORT`];
    const port = override !== undefined && override !== "" ? Number(override) : (KNOWN_PORTS[name] ?? nextPort++);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${prefix}_PORT: must be a port number, got "${override}"`);
    const serviceEnv: NodeJS.ProcessEnv = {
      ...env,
      PORT: String(port),
      // Each service its own store: one shared DATABASE_URL would mix their schema_migrations.
      DATA_DIR: env[`${prefix}_DATA_DIR`] ?? join(".data", name),
      DATABASE_URL: env[`${prefix}_DATABASE_URL`],
      SERVICE_NAME: name,
    };
    return { name, entry: join(servicesDir, name, "src", "main.ts"), port, env: serviceEnv };
  });
  return plans.sort((a, b) => a.port - b.port);
}

function discover(servicesDir: string): string[] {
  return readdirSync(servicesDir).filter((name) => existsSync(join(servicesDir, name, "src", "main.ts")));
}

type StartService = (options?: StartOptions) => Promise<RunningService>;

async function main(): Promise<void> {
  const servicesDir = join(root, "services");
  const plans = planServices(discover(servicesDir), process.env, servicesDir);
  if (process.env.DATABASE_URL) {
    console.log("note: DATABASE_URL applies to single services; here use CAMPAIGN_SERVICE_DATABASE_URL and the like");
  }
  const createEventBus = (kit as { createEventBus?: (env: NodeJS.ProcessEnv) => Promise<EventBus> }).createEventBus;
  const bus = createEventBus === undefined ? undefined : await createEventBus(process.env);
  const running: RunningService[] = [];
  let failed = 0;
  for (const plan of plans) {
    try {
      const module = (await import(pathToFileURL(plan.entry).href)) as { startService?: StartService };
      if (typeof module.startService !== "function") throw new Error("src/main.ts does not export startService");
      const service = await module.startService({ env: plan.env, port: plan.port, ...(bus ? { bus } : {}) });
      running.push(service);
      console.log(`${plan.name.padEnd(22)} ${service.url}`);
    } catch (error) {
      failed += 1;
      console.error(`${plan.name.padEnd(22)} failed to start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (running.length === 0) {
    await bus?.close();
    process.exit(1);
  }
  console.log(`${running.length} service(s) running${failed ? `, ${failed} failed` : ""}; Ctrl-C stops them`);

  const timeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000) || 10_000;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: stopping ${running.length} service(s)`);
    setTimeout(() => {
      console.error(`services did not stop within ${timeoutMs} ms`);
      process.exit(1);
    }, timeoutMs).unref();
    void Promise.allSettled(running.reverse().map((service) => service.close()))
      .then(async (results) => {
        await bus?.close();
        const errors = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        for (const error of errors) console.error(`shutdown: ${String(error.reason)}`);
        process.exit(errors.length > 0 ? 1 : 0);
      });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
