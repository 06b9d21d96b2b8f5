import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli.js";

// A server that counts what reaches it: a refused option must send nothing.
let server: Server;
let url: string;
let received = 0;

beforeAll(async () => {
  server = createServer((_request, response) => {
    received += 1;
    response.end("ok\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function loadtest(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(["node", "horizon", "loadtest", "--url", url, ...args]), stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("horizon loadtest refuses option values that cannot produce evidence", () => {
  // Each would otherwise run (or hang) and write a report that says nothing about the server.
  const refused: [option: string, value: string][] = [
    ["--duration", "0s"],
    ["--duration", "0ms"],
    ["--duration", "0"],
    ["--duration", "0.0m"],
    ["--duration", "-5s"],
    ["--duration", "-5"],
    ["--connections", "0"],
    ["--connections", "-3"],
    ["--rps", "0"],
    ["--rps", "-100"],
    ["--rps", "0.5"], // autocannon refuses an overallRate below 1, which surfaced as exit 3
    ["--timeout", "0s"],
    ["--timeout", "-1s"],
    ["--timeout", "500ms"], // autocannon refuses a timeout below 1 s (lib/validate.js), which surfaced as exit 3
  ];

  it.each(refused)("%s %s: exit 2, a message naming the option and the value, no request sent", async (option, value) => {
    // Small defaults first, so a value that slipped through would run briefly; the last value of an option wins.
    const { code, stderr } = await loadtest("--connections", "1", "--duration", "1s", option, value);
    expect({ code, stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining(`horizon: ${option} ${value}: `) as unknown });
    expect(received).toBe(0);
  });

  it("keeps refusing what is not a number or a duration", async () => {
    expect(await loadtest("--duration", "20x")).toMatchObject({ code: 2, stderr: expect.stringContaining("--duration 20x: expected a duration like 30s, 2m or 500ms") as unknown });
    // issue 16: a bad --timeout was reported as --duration
    expect(await loadtest("--timeout", "10x")).toMatchObject({ code: 2, stderr: expect.stringContaining("horizon: --timeout 10x: expected a duration like 30s, 2m or 500ms") as unknown });
    expect(await loadtest("--connections", "2.5")).toMatchObject({ code: 2, stderr: expect.stringContaining("--connections 2.5: expected a positive whole number") as unknown });
    expect(received).toBe(0);
  });
});
