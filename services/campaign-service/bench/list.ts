/**
 * `npm run bench -w services/campaign-service [-- --connections 100 --duration 10 --no-cache --url http://...]`
 *
 * Starts campaign-service as its own process (embedded PGlite in a temp dir),
 * creates 20 active campaigns, then drives GET /api/v1/campaigns with
 * autocannon and prints requests/s and p50/p95/p99 latency. The percentiles
 * are computed here from every response's latency (HdrHistogram), not taken
 * from autocannon's summary. `--hey` runs the independent load tool `hey`
 * (apt-get install hey) against the same service afterwards.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signToken } from "@blessed-horizon/service-kit";
import { commandLine, freePort } from "@blessed-horizon/service-kit/testing";
import autocannon from "autocannon";
import * as hdr from "hdr-histogram-js";

const SECRET = "benchmark-secret-benchmark-secret-benchmark";
const USAGE = `usage: npm run bench -w services/campaign-service [-- options]

Starts campaign-service (embedded PGlite in a temporary directory) with 20 active campaigns, or uses --url,
and drives GET /api/v1/campaigns with autocannon; prints requests/s and p50/p95/p99 (README, "Benchmark").

  --connections N   autocannon connections (100)
  --duration S      seconds of load (10)
  --campaigns N     campaigns created first; not with --url (20)
  --no-cache        start the service with LIST_CACHE_TTL_MS=0 (the list cache off)
  --url URL         a running campaign-service instead of one of its own
  --json            print the figures as JSON
  --hey             run hey (apt-get install hey) against the same service afterwards
  -h, --help        this text

Exit 2 on bad options.`;

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const { values, positive } = commandLine(
  USAGE,
  {
    connections: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    campaigns: { type: "string", default: "20" },
    "no-cache": { type: "boolean", default: false },
    url: { type: "string" },
    json: { type: "boolean", default: false },
    hey: { type: "boolean", default: false },
  },
  fail,
);
const connections = positive("connections", values.connections);
const duration = positive("duration", values.duration);
const campaigns = positive("campaigns", values.campaigns);
if (values.url !== undefined && !URL.canParse(values.url)) fail(`--url must be a URL such as http://127.0.0.1:8081, not ${values.url}`);

async function startService(): Promise<{ url: string; stop: () => void }> {
  const dir = fileURLToPath(new URL("..", import.meta.url));
  const port = await freePort();
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "src/server.ts"], {
    cwd: dir,
    env: {
      ...process.env,
      DATA_DIR: await mkdtemp(join(tmpdir(), "bh-bench-")),
      DATABASE_URL: "",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      JWT_SECRET: SECRET,
      ...(values["no-cache"] ? { LIST_CACHE_TTL_MS: "0" } : {}),
    },
    // Logs are drained (as a log shipper would), not shown.
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout.resume();
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error("campaign-service exited before it was ready");
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return { url, stop: () => child.kill("SIGTERM") };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function seed(url: string, count: number): Promise<void> {
  const organizer = { authorization: `Bearer ${await signToken({ sub: "bench-organizer", roles: ["organizer"] }, SECRET)}` };
  const trust = { authorization: `Bearer ${await signToken({ sub: "bench-trust", roles: ["trust"] }, SECRET)}` };
  for (let i = 0; i < count; i += 1) {
    const created = await fetch(`${url}/api/v1/campaigns`, {
      method: "POST",
      headers: { ...organizer, "content-type": "application/json" },
      body: JSON.stringify({
        title: `Benchmark campaign ${i + 1}`,
        story: "A realistic story of a few hundred characters. ".repeat(6),
        beneficiary: "Benchmark Foundation",
        goal: { amount: 1_000_000 + i, currency: "USD" },
      }),
    });
    if (created.status !== 201) throw new Error(`seeding failed: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    await fetch(`${url}/api/v1/campaigns/${id}/publish`, { method: "POST", headers: organizer });
    await fetch(`${url}/api/v1/campaigns/${id}/approve`, { method: "POST", headers: trust });
  }
}

const service = values.url === undefined ? await startService() : { url: values.url, stop: () => undefined };
try {
  if (values.url === undefined) await seed(service.url, campaigns);
  const target = `${service.url}/api/v1/campaigns`;
  const page = (await (await fetch(target)).json()) as { data: unknown[] };
  // Latency in microseconds, 1 µs .. 60 s, 3 significant digits.
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: target, connections, duration, pipelining: 1 }, (error, finished) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished),
    );
    instance.on("response", (_client, _status, _bytes, responseTimeMs) => {
      histogram.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
  });
  const total = result.requests.total;
  const failures = result.errors + result.timeouts + result.non2xx;
  const figures = {
    target,
    campaignsOnPage: page.data.length,
    connections,
    durationSeconds: duration,
    listCache: values["no-cache"] ? "off" : "on",
    requests: total,
    requestsPerSecond: Math.round(total / duration),
    latencyMs: {
      p50: histogram.getValueAtPercentile(50) / 1000,
      p95: histogram.getValueAtPercentile(95) / 1000,
      p99: histogram.getValueAtPercentile(99) / 1000,
      max: histogram.maxValue / 1000,
    },
    errors: failures,
    errorRate: total === 0 ? 0 : failures / (total + result.errors + result.timeouts),
  };
  if (values.json) console.log(JSON.stringify(figures));
  else {
    console.log(`GET ${target} (${figures.campaignsOnPage} campaigns/page), ${connections} connections, ${duration} s, list cache ${figures.listCache}`);
    console.log(`requests/s: ${figures.requestsPerSecond} (${total} requests)`);
    console.log(`latency ms: p50 ${figures.latencyMs.p50}  p95 ${figures.latencyMs.p95}  p99 ${figures.latencyMs.p99}  max ${figures.latencyMs.max}`);
    console.log(`errors: ${failures} (${(figures.errorRate * 100).toFixed(3)}%; non-2xx ${result.non2xx}, socket errors ${result.errors}, timeouts ${result.timeouts})`);
  }
  if (values.hey) {
    const hey = spawnSync("hey", ["-z", `${duration}s`, "-c", String(connections), target], { encoding: "utf8" });
    if (hey.error) throw new Error(`hey did not run (apt-get install hey): ${hey.error.message}`);
    const pick = (pattern: RegExp) => pattern.exec(hey.stdout)?.[1] ?? "?";
    console.log(
      `hey: requests/s ${pick(/Requests\/sec:\s+([\d.]+)/)}, p50 ${pick(/50% in ([\d.]+) secs/)} s, ` +
        `p95 ${pick(/95% in ([\d.]+) secs/)} s, p99 ${pick(/99% in ([\d.]+) secs/)} s, statuses: ${pick(/Status code distribution:\s+([^\n]+)/).trim()}` +
        `${/Error distribution/.test(hey.stdout) ? ", with errors (see hey's output)" : ", no errors"}`,
    );
  }
} finally {
  service.stop();
}
