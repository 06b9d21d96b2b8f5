import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { runLoadtestCommand } from "./index.js";

/*
 * errors.rate is over the requests that got an outcome, counted from what the
 * server answered. autocannon's `requests.sent` (node_modules/autocannon/lib/run.js,
 * `totalRequests`) is no such count: it includes every request still in flight when
 * the duration ends (the clients are destroyed, those requests get no response and
 * no error), and with `overallRate` each connection starts at its per-connection
 * rate instead of the one request it really sent (`totalRequests += url.pipelining
 * < url.rate ? url.rate : url.pipelining`). Both made an all-404 target look partly healthy.
 */

/** Runs `horizon loadtest` against a local server with this handler; the server is closed afterwards. */
async function loadtest(handler: RequestListener, flags: { connections: string; duration: string; rps?: string }) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
    return await runLoadtestCommand({ url, timeout: "10s", ...flags }, { cwd: process.cwd(), write: () => undefined, progress: () => undefined });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Answers the first `limit` requests, every 4th with 500, then holds every
 * further one unanswered: the run ends with a request in flight on every
 * connection, and the server's own counts are exactly what was answered.
 */
function everyFourthFailsThenSilence(limit: number) {
  const counts = { answered: 0, failed: 0 };
  const handler: RequestListener = (_request, response) => {
    if (counts.answered === limit) return;
    counts.answered += 1;
    const status = counts.answered % 4 === 0 ? 500 : 200;
    if (status === 500) counts.failed += 1;
    response.writeHead(status).end();
  };
  return { counts, handler };
}

const notFound: RequestListener = (_request, response) => void response.writeHead(404).end();

describe.each([
  { mode: "as fast as possible", flags: { connections: "5", duration: "1s" }, limit: 200 },
  { mode: "--rps 100", flags: { connections: "4", duration: "1s", rps: "100" }, limit: 40 },
])("errors.rate $mode", ({ flags, limit }) => {
  it("is exactly 1 when every answer is a 404", async () => {
    const report = await loadtest(notFound, flags);
    expect(report.requests.total).toBeGreaterThan(0);
    expect(report.errors.non2xx).toBe(report.requests.total);
    expect(report.errors.rate).toBe(1);
  });

  it("is the server's share of 500s among what it answered, whatever was still in flight at the end", async () => {
    const { counts, handler } = everyFourthFailsThenSilence(limit);
    const report = await loadtest(handler, flags);
    expect(report.requests.total).toBe(counts.answered);
    expect(report.errors.non2xx).toBe(counts.failed);
    expect(report.errors.rate).toBeCloseTo(counts.failed / counts.answered, 6);
  });
});

it("errors.rate is 0 when every answer is a 200, with --rps", async () => {
  const report = await loadtest((_request, response) => void response.end("ok\n"), { connections: "4", duration: "1s", rps: "100" });
  expect(report.requests.total).toBeGreaterThan(50);
  expect(report.errors).toMatchObject({ total: 0, non2xx: 0, rate: 0 });
});
