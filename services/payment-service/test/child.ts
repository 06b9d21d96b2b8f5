import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, vi } from "vitest";

const serviceDir = fileURLToPath(new URL("..", import.meta.url));

/** The real server (`src/server.ts`) as a child process on `port`, resolved once it is ready. */
export async function spawnPayment(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "src/server.ts"], {
    cwd: serviceDir,
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "error", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await vi.waitFor(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status).toBe(200), { timeout: 60_000, interval: 50 });
  return proc;
}
