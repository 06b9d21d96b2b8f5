import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callService } from "../src/clients/http.js";

describe("calls to the other services (keep-alive node:http)", () => {
  let server: Server;
  let url: string;
  const served = new Map<Socket, number>();
  let dropNextReused = false;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const n = (served.get(request.socket) ?? 0) + 1;
      served.set(request.socket, n);
      if (request.url === "/silent") return; // never answers
      if (dropNextReused && n > 1) {
        dropNextReused = false;
        request.socket.destroy(); // the server closed a kept-alive connection as the call arrived
        return;
      }
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        response.writeHead(request.url === "/fail" ? 502 : 200, { "content-type": "application/json" });
        response.end(JSON.stringify({ method: request.method, body, connections: served.size }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the body and reuses one connection for calls one after another", async () => {
    const first = await callService("test", `${url}/a`, { method: "POST", headers: { "content-type": "application/json" }, body: "{\"x\":1}" });
    expect(first.ok).toBe(true);
    expect(await first.json()).toMatchObject({ method: "POST", body: "{\"x\":1}" });
    const second = await callService("test", `${url}/b`, {});
    expect(await second.json()).toMatchObject({ method: "GET", connections: 1 });
  });

  it("calls again on a new connection when the server closed the kept-alive one", async () => {
    await callService("test", `${url}/c`, {});
    dropNextReused = true;
    const retried = await callService("test", `${url}/d`, {});
    expect(dropNextReused).toBe(false); // the kept-alive connection was dropped
    expect(retried.status).toBe(200);
  });

  it("answers 503 for a 5xx and for a call that gets no answer in time", async () => {
    await expect(callService("test", `${url}/fail`, {})).rejects.toMatchObject({ status: 503, code: "BH_DEPENDENCY_UNAVAILABLE" });
    const started = Date.now();
    await expect(callService("test", `${url}/silent`, { timeoutMs: 200 })).rejects.toMatchObject({ status: 503, code: "BH_DEPENDENCY_UNAVAILABLE" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
