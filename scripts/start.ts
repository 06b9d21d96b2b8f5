/**
 * `npm start`: every service of services/* in one Node process, each on its
 * own port with its own embedded database under .data/<service>, sharing one
 * event bus. A service starts once the services it calls answer /readyz, and
 * Ctrl-C (SIGINT) or SIGTERM closes the callers first, then what they call.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as kit from "@blessed-horizon/service-kit";
import type { EventBus, RunningService, StartOptions } from "@blessed-horizon/service-kit";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Well-known ports; services not listed get the next ones after 8084. */
const KNOWN_PORTS: Readonly<Record<string, number>> = {
  "campaign-service": 8081,
  "payment-service": 8082,
  "notification-service": 8083,
  "trust-service": 8084,
};

/**
 * The services each one calls synchronously: it starts after they are ready
 * and stops before them, so none of its requests meets a dependency that is
 * not there yet or already gone (a 503 for the caller).
 */
const DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  "payment-service": ["campaign-service", "trust-service"],
};

interface ServicePlan {
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

/**
 * Pure: the plans in start-up waves. A wave holds the services whose planned
 * dependencies are all in earlier waves (in plan order); a dependency that is
 * not planned is ignored, and a cycle ends up in the last wave.
 */
function startWaves(plans: readonly ServicePlan[], dependencies: Readonly<Record<string, readonly string[]>> = DEPENDENCIES): ServicePlan[][] {
  const planned = new Set(plans.map((plan) => plan.name));
  const placed = new Set<string>();
  const waves: ServicePlan[][] = [];
  let left = [...plans];
  while (left.length > 0) {
    const ready = left.filter((plan) => (dependencies[plan.name] ?? []).every((dep) => !planned.has(dep) || placed.has(dep)));
    const wave = ready.length > 0 ? ready : left;
    waves.push(wave);
    for (const plan of wave) placed.add(plan.name);
    left = left.filter((plan) => !wave.includes(plan));
  }
  return waves;
}

function discover(servicesDir: string): string[] {
  return readdirSync(servicesDir).filter((name) => existsSync(join(servicesDir, name, "src", "main.ts")));
}

type StartService = (options?: StartOptions) => Promise<RunningService>;

/** Polls GET /readyz until it answers 200; false when `timeoutMs` passes first. */
async function untilReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      () => undefined,
    );
    if (status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const READY_TIMEOUT_MS = 60_000;

async function startOne(plan: ServicePlan, bus: EventBus | undefined): Promise<RunningService> {
  const module = (await import(pathToFileURL(plan.entry).href)) as { startService?: StartService };
  if (typeof module.startService !== "function") throw new Error("src/main.ts does not export startService");
  return module.startService({ env: plan.env, port: plan.port, ...(bus ? { bus } : {}) });
}

/** Closes the services wave by wave, the last started first; the reasons of those that failed to close. */
async function closeInWaves(waves: readonly RunningService[][]): Promise<unknown[]> {
  const reasons: unknown[] = [];
  for (const wave of [...waves].reverse()) {
    const results = await Promise.allSettled(wave.map((service) => service.close()));
    for (const result of results) if (result.status === "rejected") reasons.push(result.reason);
  }
  return reasons;
}

async function main(): Promise<void> {
  const servicesDir = join(root, "services");
  const plans = planServices(discover(servicesDir), process.env, servicesDir);
  if (process.env.DATABASE_URL) {
    console.log("note: DATABASE_URL applies to single services; here use CAMPAIGN_SERVICE_DATABASE_URL and the like");
  }
  const createEventBus = (kit as { createEventBus?: (env: NodeJS.ProcessEnv) => Promise<EventBus> }).createEventBus;
  const bus = createEventBus === undefined ? undefined : await createEventBus(process.env);
  const running = new Map<string, RunningService>();
  const runningWaves: RunningService[][] = [];
  let failed = 0;
  for (const wave of startWaves(plans)) {
    const started: RunningService[] = [];
    for (const plan of wave) {
      try {
        for (const dependency of DEPENDENCIES[plan.name] ?? []) {
          if (!plans.some((p) => p.name === dependency)) continue;
          const service = running.get(dependency);
          if (service === undefined) throw new Error(`${dependency}, which it calls, is not running`);
          if (!(await untilReady(service.url, READY_TIMEOUT_MS))) throw new Error(`${dependency}, which it calls, was not ready within ${READY_TIMEOUT_MS} ms`);
        }
        const service = await startOne(plan, bus);
        running.set(plan.name, service);
        started.push(service);
        console.log(`${plan.name.padEnd(22)} ${service.url}`);
      } catch (error) {
        failed += 1;
        console.error(`${plan.name.padEnd(22)} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    runningWaves.push(started);
  }
  if (running.size === 0) {
    await bus?.close();
    process.exit(1);
  }
  console.log(`${running.size} service(s) running${failed ? `, ${failed} failed` : ""}; Ctrl-C stops them`);

  const timeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000) || 10_000;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: stopping ${running.size} service(s), callers first`);
    setTimeout(() => {
      console.error(`services did not stop within ${timeoutMs} ms`);
      process.exit(1);
    }, timeoutMs).unref();
    void closeInWaves(runningWaves).then(async (reasons) => {
      await bus?.close();
      for (const reason of reasons) console.error(`shutdown: ${String(reason)}`);
      process.exit(reasons.length > 0 ? 1 : 0);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
