import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signToken } from "@blessed-horizon/service-kit";
import { TEST_JWT_SECRET } from "@blessed-horizon/service-kit/testing";
import { describe, expect, it } from "vitest";
import { validCampaign } from "./helpers.js";

const serviceDir = fileURLToPath(new URL("..", import.meta.url));

/** Starts `src/server.ts` as a real process on a free port; resolves with its URL once it listens. */
async function startProcess(dataDir: string) {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "src/server.ts"], {
    cwd: serviceDir,
    env: { ...process.env, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", JWT_SECRET: TEST_JWT_SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`exited ${code} before listening:\n${output}`)));
  });
  return { child, url, exited, output: () => output };
}

/** A POST whose body arrives in two halves, `gapMs` apart: in flight for at least that long. */
function slowPost(url: string, path: string, token: string, body: string, gapMs: number, onFirstHalf: () => void) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method: "POST",
      agent: false,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    setTimeout(onFirstHalf, 100);
    setTimeout(() => req.end(body.slice(half)), gapMs);
  });
}

describe("SIGTERM", () => {
  it("lets requests in flight complete, refuses new connections, and exits 0", async () => {
    const service = await startProcess(await mkdtemp(join(tmpdir(), "bh-sigterm-")));
    const token = await signToken({ sub: "alice", roles: ["organizer"] }, TEST_JWT_SECRET);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    const inFlight = [1, 2, 3].map((n) =>
      slowPost(service.url, "/api/v1/campaigns", token, JSON.stringify({ ...validCampaign, title: `In flight ${n}` }), 800, () =>
        n === 1 ? service.child.kill("SIGTERM") : undefined,
      ),
    );
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(await service.exited).toBe(0);
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
  }, 180_000);
});
