import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { thingsMigrations } from "../../test/helpers.js";

const kitEntry = new URL("../index.ts", import.meta.url).href;
const SHUTDOWN_TIMEOUT_MS = 8_000;
const SLOW_MS = 1_000;

/** A service process (bootService + runMain, as every server.ts) with a route that takes SLOW_MS. */
function serviceScript(migrationsDir: string): string {
  return `
    import { bootService, createServiceApp, runMain } from ${JSON.stringify(kitEntry)};
    await runMain((options) => bootService({
      name: "keep-alive-test", migrationsDir: ${JSON.stringify(migrationsDir)}, options,
      build: async ({ config, db }) => {
        const app = await createServiceApp({ name: "keep-alive-test", version: "0", config, db });
        app.get("/slow", async () => {
          process.stdout.write("slow request started\\n");
          await new Promise((resolve) => setTimeout(resolve, ${SLOW_MS}));
          return { done: true };
        });
        return app;
      },
    }));
  `;
}

async function startProcess(dataDir: string, migrationsDir: string) {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", serviceScript(migrationsDir)], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) resolve(match);
      };
      child.stdout.on("data", check);
      check();
      void exited.then((code) => reject(new Error(`exited ${code} before ${String(pattern)}:\n${output}`)));
    });
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = (await waitFor(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/))[1] ?? "";
  return { child, url, exited, waitFor, output: () => output };
}

function get(url: string, agent: Agent) {
  return new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("SIGTERM with keep-alive clients", () => {
  it("finishes the request in flight, closes its connection and the idle ones, and exits 0 well within SHUTDOWN_TIMEOUT_MS", async () => {
    const service = await startProcess(await mkdtemp(join(tmpdir(), "bh-keepalive-")), await thingsMigrations());
    // Two pooled connections: one will carry the slow request, the other stays idle.
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    try {
      const warm = await Promise.all([get(`${service.url}/healthz`, agent), get(`${service.url}/healthz`, agent)]);
      expect(warm.map((r) => r.status)).toEqual([200, 200]);
      const slow = get(`${service.url}/slow`, agent);
      await service.waitFor(/slow request started/);
      const signalled = Date.now();
      service.child.kill("SIGTERM");
      const response = await slow;
      expect(response).toMatchObject({ status: 200, body: JSON.stringify({ done: true }) });
      expect(await service.exited, service.output()).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(SLOW_MS + 3_000);
      expect(response.connection).toBe("close");
    } finally {
      agent.destroy();
      service.child.kill("SIGKILL");
    }
  }, 60_000);
});
