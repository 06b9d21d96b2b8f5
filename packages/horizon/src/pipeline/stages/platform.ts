import { join } from "node:path";
import getPort from "get-port";
import { startBackground, type BackgroundProcess } from "../../io/process.js";
import { readLoadReport } from "../../evidence/load.js";
import { readTests } from "../../evidence/junit.js";
import { runHorizon, runLogged, runNpm, tailOfLog } from "../commands.js";
import { type PipelineState, whenAnyAffected } from "../state.js";
import type { Stage, StageContext } from "../types.js";

/** The services `npm start` runs, and the variable that sets each one's port. */
const SERVICES = ["campaign-service", "payment-service", "notification-service", "trust-service"] as const;
/** The launcher's variable prefix: CAMPAIGN_SERVICE for campaign-service (scripts/start.ts). */
const prefix = (service: string) => service.toUpperCase().replaceAll("-", "_");

interface Platform {
  process: BackgroundProcess;
  urls: Record<string, string>;
}

export interface PlatformHandle {
  current?: Platform;
}

async function waitReady(url: string, deadline: number, exited: () => boolean): Promise<boolean> {
  while (Date.now() < deadline && !exited()) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * The platform as `npm start` runs it (embedded PostgreSQL, in-process bus),
 * on free ports and a fresh data folder inside the run folder.
 */
export function startPlatformStage(state: PipelineState, handle: PlatformHandle): Stage {
  return {
    id: "platform-start",
    title: "start platform",
    when: whenAnyAffected(state),
    async run(ctx) {
      const ports: Record<string, number> = {};
      for (const service of SERVICES) ports[service] = await getPort({ host: "127.0.0.1" });
      const env: NodeJS.ProcessEnv = { NODE_ENV: "development", LOG_LEVEL: "warn", HOST: "127.0.0.1", FORCE_COLOR: "0" };
      for (const service of SERVICES) {
        env[`${prefix(service)}_PORT`] = String(ports[service]);
        env[`${prefix(service)}_DATA_DIR`] = join(ctx.runDir, "data", service);
      }
      // The services call each other on these ports, not the well-known ones.
      env.CAMPAIGN_SERVICE_URL = `http://127.0.0.1:${ports["campaign-service"]}`;
      env.TRUST_SERVICE_URL = `http://127.0.0.1:${ports["trust-service"]}`;
      const child = startBackground(process.execPath, ["--conditions=source", "--import", "tsx", "scripts/start.ts"], { cwd: ctx.root, env, logFile: ctx.logFile });
      let gone = false;
      void child.exited.then(() => (gone = true));
      const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`]));
      handle.current = { process: child, urls };
      const deadline = Date.now() + 90_000;
      for (const service of SERVICES) {
        ctx.progress(`waiting for ${service}`);
        if (!(await waitReady(urls[service] ?? "", deadline, () => gone))) {
          return { status: "failed", summary: `${service} did not become ready: ${await tailOfLog(ctx, 2)}` };
        }
      }
      state.platformUrl = urls["campaign-service"];
      return { status: "passed", summary: SERVICES.map((s) => `${s} ${urls[s]}`).join(", ") };
    },
  };
}

/**
 * `npm run test:integration`: the donation story on all four services (it
 * starts its own platform on free ports); its JUnit report is the
 * integration pass-rate gate's evidence.
 */
export function integrationStage(state: PipelineState): Stage {
  return {
    id: "integration",
    title: "integration tests",
    when: whenAnyAffected(state),
    async run(ctx) {
      const junit = join(ctx.runDir, "junit", "integration.xml");
      const result = await runNpm(ctx, ["run", "test:integration", "--", `--outputFile.junit=${junit}`]);
      const tests = await readTests([junit]).catch(() => undefined);
      if (tests) state.evidence.integrationJunit = "junit/integration.xml";
      const counts = tests ? `${tests.passed} of ${tests.total - tests.skipped} passed${tests.skipped ? `, ${tests.skipped} skipped` : ""}` : "no JUnit report";
      if (result.exitCode === 0) return { status: "passed", summary: counts, artifacts: ["junit/integration.xml"] };
      return { status: "failed", summary: `${counts}: ${await tailOfLog(ctx)}` };
    },
  };
}

/** Campaigns the load test lists: the spec's gate is measured on a realistic page, not an empty one. */
const SEED_CAMPAIGNS = 20;

/**
 * Creates and activates campaigns through the public API with scripts/seed.ts
 * (as an organizer and the trust team would), the same script ci.yml runs
 * before its load test; the token it signs is never written down.
 */
export function seedStage(handle: PlatformHandle): Stage {
  return {
    id: "seed",
    title: "seed campaigns",
    when: () => (handle.current ? true : "the platform is not running"),
    async run(ctx) {
      const url = handle.current?.urls["campaign-service"] ?? "";
      const result = await runLogged(ctx, process.execPath, ["--conditions=source", "--import", "tsx", "scripts/seed.ts", "--url", url, "--campaigns", String(SEED_CAMPAIGNS)]);
      if (result.exitCode === 0) return { status: "passed", summary: `${SEED_CAMPAIGNS} active campaigns` };
      return { status: "failed", summary: `scripts/seed.ts exited ${result.exitCode}: ${await tailOfLog(ctx)}` };
    },
  };
}

/** `horizon loadtest` of GET /api/v1/campaigns at the spec's concurrency; its JSON is the load and performance gates' evidence. */
export function loadStage(state: PipelineState, handle: PlatformHandle, settings: { connections: number; loadDuration: string }): Stage {
  return {
    id: "loadtest",
    title: "load test",
    when: () => (handle.current ? true : "the platform is not running"),
    async run(ctx) {
      const out = join(ctx.runDir, "loadtest.json");
      const url = `${handle.current?.urls["campaign-service"] ?? ""}/api/v1/campaigns`;
      const result = await runHorizon(ctx, ["loadtest", "--url", url, "--connections", String(settings.connections), "--duration", settings.loadDuration, "--out", out]);
      const report = await readLoadReport(out).catch(() => undefined);
      if (!report) return { status: "failed", summary: `no load-test report: ${await tailOfLog(ctx)}` };
      state.evidence.load = "loadtest.json";
      const summary = `${report.requests.perSecond} req/s, p95 ${report.latencyMs.p95} ms, errors ${(report.errors.rate * 100).toFixed(3)}% at ${report.connections} connections`;
      return { status: result.exitCode === 0 ? "passed" : "failed", summary, artifacts: ["loadtest.json"] };
    },
  };
}

/** Stops the platform the way Kubernetes does (SIGTERM) and checks it shut down cleanly. */
export function stopPlatformStage(handle: PlatformHandle): Stage {
  return {
    id: "platform-stop",
    title: "stop platform",
    when: () => (handle.current ? true : "the platform is not running"),
    async run(ctx: StageContext) {
      const platform = handle.current;
      if (!platform) return { status: "skipped", summary: "not running" };
      await platform.process.stop(15_000);
      handle.current = undefined;
      const result = await platform.process.exited;
      if (result.exitCode === 0) return { status: "passed", summary: "SIGTERM: every service shut down gracefully, exit 0" };
      return { status: "warning", summary: `exit ${result.signal ?? result.exitCode} after SIGTERM: ${await tailOfLog(ctx)}` };
    },
  };
}
