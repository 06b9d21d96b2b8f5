import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli.js";
import { LoadTestReportSchema } from "../../evidence/load.js";
import { runLoadtestCommand } from "./index.js";
import { isLoopbackHost, parseDuration } from "./target.js";

let server: Server;
let url: string;
let dir: string;
let served = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "horizon-loadtest-"));
  // Every 10th request fails with 500, so the error rate is known: 10%.
  server = createServer((_request, response) => {
    served += 1;
    response.writeHead(served % 10 === 0 ? 500 : 200, { "content-type": "text/plain" });
    response.end("ok\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("horizon loadtest against a local server", () => {
  it("writes the documented JSON, counts every 10th answer (500) in the error rate, and reports progress each second", async () => {
    const out = join(dir, "report.json");
    const progress: string[] = [];
    let printed = "";
    const report = await runLoadtestCommand(
      { url, connections: "5", duration: "2s", timeout: "10s", out },
      { cwd: dir, write: (text) => (printed += text), progress: (line) => progress.push(line) },
    );
    const written = LoadTestReportSchema.strict().parse(JSON.parse(await readFile(out, "utf8")));
    expect(written).toEqual(report);
    expect(Object.keys(written)).toEqual(["url", "connections", "durationSeconds", "targetRps", "requests", "latencyMs", "errors"]);
    expect(report).toMatchObject({ url, connections: 5, targetRps: null });
    expect(report.requests.total).toBeGreaterThan(100);
    expect(report.errors.non2xx / report.requests.total).toBeCloseTo(0.1, 2);
    // The README's definition, from the report's own numbers.
    expect(report.errors.rate).toBeCloseTo((report.errors.total + report.errors.non2xx) / (report.requests.total + report.errors.total), 6);
    expect(report.errors.rate).toBeCloseTo(0.1, 2);
    const { p50, p90, p95, p99, max } = report.latencyMs;
    expect(0 < p50 && p50 <= p90 && p90 <= p95 && p95 <= p99 && p99 <= max).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatch(/^\s+\ds\s+requests\s+\d+\s+rps\s+\d+\s+errors \d+\n$/);
    expect(printed).toContain(`latency    p50 ${String(p50)} ms`);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("holds the requested rate with --rps", async () => {
    const report = await runLoadtestCommand(
      { url, connections: "4", duration: "2s", timeout: "10s", rps: "200" },
      { cwd: dir, write: () => undefined, progress: () => undefined },
    );
    expect(report.targetRps).toBe(200);
    // Unthrottled, this server answers thousands per second; autocannon's per-second buckets can
    // overshoot a little on a loaded machine (233.8 seen with both cores busy), so the bound is loose.
    expect(report.requests.perSecond).toBeGreaterThan(150);
    expect(report.requests.perSecond).toBeLessThan(280);
  });

  it("exits 3 when nothing answers, after writing the report that shows it", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const out = join(dir, "refused.json");
    await expect(
      runLoadtestCommand({ url: `http://127.0.0.1:${String(port)}/`, connections: "2", duration: "1s", timeout: "2s", out }, { cwd: dir, write: () => undefined, progress: () => undefined }),
    ).rejects.toMatchObject({ exitCode: 3 });
    const report = LoadTestReportSchema.parse(JSON.parse(await readFile(out, "utf8")));
    expect(report.errors.total).toBeGreaterThan(0);
    expect(report.errors.rate).toBe(1); // every request that got an outcome got an error
  });
});

describe("horizon loadtest through the CLI", () => {
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      return { code: await main(["node", "horizon", "loadtest", ...args]), stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it("refuses a non-loopback address without --allow-remote, before sending anything", async () => {
    const { code, stderr } = await cli("--url", "https://example.com/", "--duration", "1s");
    expect(code).toBe(2);
    expect(stderr).toContain("example.com is not a loopback address; pass --allow-remote");
  });

  it("refuses bad numbers and durations with exit 2", async () => {
    expect((await cli("--url", url, "--connections", "0")).stderr).toContain("--connections 0: expected a positive whole number");
    expect((await cli("--url", url, "--duration", "10 parsecs")).code).toBe(2);
    expect((await cli("--url", "ftp://127.0.0.1/")).stderr).toContain("only http: and https:");
    expect((await cli("--url", url, "--out", join(dir, "no-such-dir", "r.json"))).stderr).toContain("cannot write in");
  });

  it("runs end to end and prints the report with --json", async () => {
    const { code, stdout, stderr } = await cli("--url", url, "--connections", "2", "--duration", "1s", "--json");
    expect(code).toBe(0);
    expect(LoadTestReportSchema.parse(JSON.parse(stdout)).connections).toBe(2);
    expect(stderr).toMatch(/requests\s+\d+\s+rps/);
  });
});

describe("loopback and durations", () => {
  it("knows loopback by name and address only", () => {
    expect(["localhost", "api.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"].every(isLoopbackHost)).toBe(true);
    expect(["example.com", "10.0.0.1", "0.0.0.0", "[::]", "128.0.0.1", "localhost.example.com"].some(isLoopbackHost)).toBe(false);
  });

  it("reads 30s, 2m, 500ms and bare seconds", () => {
    expect([parseDuration("30s"), parseDuration("2m"), parseDuration("500ms"), parseDuration("7")]).toEqual([30, 120, 0.5, 7]);
  });

  it("names the option it checks, so another command's duration option reads the same", () => {
    expect(() => parseDuration("0s", "--load-duration")).toThrow("--load-duration 0s: must be longer than zero");
  });
});
