/**
 * `npm run bench -w services/payment-service [-- --mode both|launcher|processes --connections 50 --duration 15
 *   --warmup 3 --pgbench-duration 15 --pgbench-scale 1 --pool 10 --json --keep]`
 *
 * The donation path end to end on real PostgreSQL (TEST_DATABASE_URL's server,
 * or --database-url): all four services, each on a fresh database of its own,
 * started either by the one-process launcher (`scripts/start.ts`) or as four
 * processes (`src/server.ts` each, sharing NATS when TEST_NATS_URL is set), a
 * published and approved campaign seeded through campaign-service's API, and
 * trust-service's velocity and outlier rules opened up by configuration (so
 * every donation is allowed, the rules still run). It then drives
 * POST /api/v1/donations from `--connections` keep-alive connections for
 * `--duration` seconds (after `--warmup` seconds of the same load, not counted,
 * and VACUUM ANALYZE of each service's database, as `pgbench -i` does after
 * loading and autovacuum does on a running system), each connection from an address of its own in
 * 127.1.0.0/16 (load only on loopback), a new Idempotency-Key on every
 * request, and afterwards checks exactly-once: every 2xx donation is one PAID row with its three ledger groups and one captured sandbox charge, and
 * the ledger balances. Finally `pgbench -i` and `pgbench -c 50 -T 15`
 * (TPC-B-like) on a scratch database of the same server, and the ratio of
 * PAID donations per second to pgbench's tps. Exit 1 when a check fails.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { commandLine, freePort, withClient } from "@blessed-horizon/service-kit/testing";
import type pg from "pg";
import { seedCampaigns } from "../../../scripts/seed.ts";

const SECRET = "benchmark-secret-benchmark-secret-benchmark";
const SERVICES = ["campaign-service", "payment-service", "notification-service", "trust-service"] as const;
type ServiceName = (typeof SERVICES)[number];
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const USAGE = `usage: npm run bench -w services/payment-service [-- options]

Drives POST /api/v1/donations on all four services on real PostgreSQL (TEST_DATABASE_URL's server, or --database-url)
and NATS (TEST_NATS_URL, needed for --mode processes), checks exactly-once afterwards, runs pgbench on the same server
and prints PAID donations per second, latency percentiles and the ratio to pgbench's tps (README, "Benchmark").

  --mode both|launcher|processes   the one-process launcher, four processes, or both in turn (both)
  --connections N                  keep-alive connections, each from a loopback address of its own (50)
  --duration S                     the measured window (15)
  --warmup S                       the same load before the window, not counted, then VACUUM ANALYZE; 0: none (3)
  --pool N                         DATABASE_POOL_MAX of each service (the services' default)
  --pgbench-clients N              pgbench -c (50)
  --pgbench-duration S             pgbench -T (15)
  --pgbench-scale N                pgbench -i -s (1)
  --no-pgbench                     skip pgbench (no ratio)
  --database-url URL               the PostgreSQL server (default: TEST_DATABASE_URL)
  --cpu-prof DIR                   write a V8 CPU profile of each service process into DIR
  --json                           print the figures as JSON only
  --keep                           keep the run's databases (dropped by default)
  -h, --help                       this text

Exit 0 when every check holds, 1 when a check fails, 2 on bad options.`;

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const { values, positive } = commandLine(
  USAGE,
  {
    mode: { type: "string", default: "both" },
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "15" },
    warmup: { type: "string", default: "3" },
    "pgbench-duration": { type: "string", default: "15" },
    "pgbench-clients": { type: "string", default: "50" },
    "pgbench-scale": { type: "string", default: "1" },
    "no-pgbench": { type: "boolean", default: false },
    pool: { type: "string" },
    "database-url": { type: "string" },
    "cpu-prof": { type: "string" },
    json: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
  fail,
);

const serverUrl = values["database-url"] ?? process.env.TEST_DATABASE_URL;
if (!serverUrl) fail("needs a PostgreSQL server: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) or pass --database-url");
type Mode = "launcher" | "processes";
const modes: readonly Mode[] = values.mode === "both" ? ["launcher", "processes"] : values.mode === "launcher" || values.mode === "processes" ? [values.mode] : fail(`--mode must be both, launcher or processes, not ${values.mode}`);
// Checked before any work: a run that needs NATS for its second mode should not find out after the first.
if (modes.includes("processes") && !process.env.TEST_NATS_URL) fail("--mode processes (part of the default, both) needs TEST_NATS_URL (the services share events through NATS), e.g. nats://127.0.0.1:4222; or pass --mode launcher");
const connections = positive("connections", values.connections);
const durationS = positive("duration", values.duration);
const warmupS = Number(values.warmup);
if (!Number.isInteger(warmupS) || warmupS < 0) fail(`--warmup must be a whole number of seconds (0: none), not ${values.warmup}`);
const pgbenchDurationS = positive("pgbench-duration", values["pgbench-duration"]);
const pgbenchClients = positive("pgbench-clients", values["pgbench-clients"]);
const pgbenchScale = positive("pgbench-scale", values["pgbench-scale"]);
const poolMax = values.pool === undefined ? undefined : positive("pool", values.pool);
const log = (line: string) => {
  if (!values.json) console.log(line);
};

function databaseUrl(name: string): string {
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

const admin = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => withClient(serverUrl, fn);

async function createDatabases(names: readonly string[]): Promise<void> {
  await admin(async (c) => {
    for (const name of names) {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${name}"`);
    }
  });
}

async function dropDatabases(names: readonly string[]): Promise<void> {
  if (values.keep) return;
  await admin(async (c) => {
    for (const name of names) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

const prefix = (name: string) => name.toUpperCase().replaceAll("-", "_");

interface Stack {
  urls: Record<ServiceName, string>;
  /** The service processes by name (one, "launcher", with the launcher). */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

function spawnNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  const prof = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`] : [];
  const child = spawn(process.execPath, [...prof, "--conditions=source", "--import", "tsx", ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  // Logs are drained (as a log shipper would); the tail of stderr is kept for a failure message.
  child.stdout.resume();
  let tail = "";
  child.stderr.on("data", (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
  child.on("exit", (code, signal) => {
    if (code !== 0 && code !== null && !stopping) console.error(`bench: ${args.join(" ")} exited ${code ?? signal}\n${tail}`);
  });
  return child;
}

let stopping = false;

async function untilReady(url: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the process serving ${url} exited (${child.exitCode})`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

async function startStack(mode: "launcher" | "processes", databases: Record<ServiceName, string>, run: string): Promise<Stack> {
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<ServiceName, number>;
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<ServiceName, string>;
  const nats = process.env.TEST_NATS_URL;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
    JWT_SECRET: SECRET,
    DATABASE_URL: "",
    CAMPAIGN_SERVICE_URL: urls["campaign-service"],
    TRUST_SERVICE_URL: urls["trust-service"],
    ...(poolMax === undefined ? {} : { DATABASE_POOL_MAX: String(poolMax) }),
    // A stream of its own, so the run never meets another run's (or a test's) events and consumers.
    ...(nats ? { NATS_URL: nats, NATS_STREAM: `BENCH_${run}`, NATS_SUBJECT_PREFIX: `bench.${run}` } : { NATS_URL: "" }),
    // Velocity and outlier rules still run, but nothing a benchmark does trips them: each connection comes from
    // an address of its own, but hundreds of requests an hour each (so the IP limit is opened wide), and every
    // request has a donor of its own (so 10,000, the most the trust-donor-campaign-per-hour flag accepts, is plenty).
    TRUST_IP_PER_HOUR: "1000000000",
    TRUST_DONOR_PER_HOUR: "10000",
    TRUST_DONOR_CAMPAIGN_PER_HOUR: "10000",
    TRUST_AMOUNT_MIN_SAMPLES: "1000000000",
  };
  if (mode === "processes" && !nats) fail("--mode processes needs TEST_NATS_URL (the services share events through NATS)");
  if (mode === "launcher") {
    const launcherEnv: NodeJS.ProcessEnv = { ...env };
    for (const s of SERVICES) {
      launcherEnv[`${prefix(s)}_DATABASE_URL`] = databaseUrl(databases[s]);
      launcherEnv[`${prefix(s)}_PORT`] = String(ports[s]);
    }
    const child = spawnNode(["scripts/start.ts"], ROOT, launcherEnv);
    await untilReady(urls["payment-service"], child).catch(async (error: unknown) => {
      await stopChild(child);
      throw error;
    });
    return { urls, pids: { launcher: child.pid! }, stop: () => stopChild(child) };
  }
  const children = new Map<ServiceName, ChildProcess>();
  // Dependencies first, as the launcher does: payment-service calls campaign and trust.
  try {
    for (const s of ["campaign-service", "trust-service", "notification-service", "payment-service"] as const) {
      const child = spawnNode(["src/server.ts"], `${ROOT}/services/${s}`, { ...env, SERVICE_NAME: s, PORT: String(ports[s]), DATABASE_URL: databaseUrl(databases[s]) });
      children.set(s, child);
      await untilReady(urls[s], child);
    }
  } catch (error) {
    for (const child of children.values()) await stopChild(child);
    throw error;
  }
  return {
    urls,
    pids: Object.fromEntries([...children].map(([s, c]) => [s.replace("-service", ""), c.pid!])),
    stop: async () => {
      // Callers first.
      for (const s of ["payment-service", "notification-service", "trust-service", "campaign-service"] as const) await stopChild(children.get(s)!);
    },
  };
}

interface LoadResult {
  requests: number;
  byStatus: Record<string, number>;
  latenciesMs: number[];
  paidIds: string[];
  otherIds: string[];
  errors: number;
  seconds: number;
}

/**
 * The loopback address client `i` connects from (127.1.0.1, 127.1.0.2, ...): every address of 127.0.0.0/8 is this
 * machine's, so each connection is a donor of its own IP, as on the internet, and trust's per-IP counts see 50
 * clients rather than one.
 */
function clientAddress(i: number): string {
  return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** `connections` loops on keep-alive sockets, each from its own address, each request with a new Idempotency-Key and donor email. */
async function drive(url: string, campaignId: string, seconds: number): Promise<LoadResult> {
  const target = new URL(`${url}/api/v1/donations`);
  const agents = Array.from({ length: connections }, (_, i) => new Agent({ keepAlive: true, maxSockets: 1, localAddress: clientAddress(i) }));
  const result: LoadResult = { requests: 0, byStatus: {}, latenciesMs: [], paidIds: [], otherIds: [], errors: 0, seconds: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const once = (agent: Agent) =>
    new Promise<void>((resolve) => {
      donors += 1;
      const n = donors;
      const body = JSON.stringify({
        campaignId,
        amount: { amount: 1000 + (n % 50), currency: "USD" },
        tipAmount: { amount: 100, currency: "USD" },
        email: `donor-${n}@bench.example.org`,
        card: { number: "4242424242424242", expMonth: 12, expYear: 2099, cvc: "123" },
      });
      const t0 = performance.now();
      const req = httpRequest(
        target,
        { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "idempotency-key": randomUUID() } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const ms = performance.now() - t0;
            result.requests += 1;
            result.latenciesMs.push(ms);
            const status = String(res.statusCode);
            result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString()) as { id?: string; status?: string; donationId?: string };
              if (res.statusCode === 201 && parsed.status === "PAID" && parsed.id) result.paidIds.push(parsed.id);
              else if (res.statusCode! < 300 && parsed.id) result.otherIds.push(parsed.id);
            } catch {
              // a non-JSON answer is counted by its status only
            }
            resolve();
          });
        },
      );
      req.on("error", () => {
        result.errors += 1;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    agents.map(async (agent) => {
      while (performance.now() < deadline) await once(agent);
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  for (const agent of agents) agent.destroy();
  return result;
}

/** User + system CPU of these processes so far, in ms (Linux /proc; 0 elsewhere). */
function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return NaN;
    }
  }
  return (ticks * 1000) / 100;
}

/** Donors so far: every request of the run (warm-up included) has a donor email of its own. */
let donors = 0;

/**
 * What a database that has been running for a while has and a fresh one lacks: planner statistics and a visibility
 * map for the rows the warm-up wrote (`pgbench -i` ends the same way).
 */
async function vacuumAnalyze(databases: readonly string[]): Promise<void> {
  for (const database of databases) await withClient(databaseUrl(database), (client) => client.query("VACUUM ANALYZE"));
}

/** Transactions committed so far in these databases (every statement outside a transaction is one). */
async function commits(databases: readonly string[]): Promise<number> {
  return admin(async (c) => {
    const { rows } = await c.query<{ n: string }>("SELECT COALESCE(sum(xact_commit), 0)::text AS n FROM pg_stat_database WHERE datname = ANY($1)", [databases]);
    return Number(rows[0].n);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Verification {
  ok: boolean;
  problems: string[];
  donationsByStatus: Record<string, number>;
  unbalancedGroups: number;
  outboxUnpublished: number;
}

/** Exactly-once, read from payment-service's database after the load. */
async function verify(database: string, load: LoadResult): Promise<Verification> {
  return withClient(databaseUrl(database), async (client) => {
    const problems: string[] = [];
    const statuses = await client.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM donations GROUP BY status");
    const donationsByStatus = Object.fromEntries(statuses.rows.map((r) => [r.status, r.n]));
    const ids = load.paidIds;
    const rows = await client.query<{ id: string; status: string; groups: number; captures: number }>(
      `SELECT d.id, d.status,
              (SELECT count(*)::int FROM ledger_groups g WHERE g.donation_id = d.id) AS groups,
              (SELECT count(*)::int FROM sandbox_charges c WHERE c.reference = d.id::text AND c.state = 'captured') AS captures
         FROM donations d WHERE d.id = ANY($1::uuid[])`,
      [ids],
    );
    if (new Set(ids).size !== ids.length) problems.push(`${ids.length - new Set(ids).size} donation ids answered twice`);
    if (rows.rows.length !== new Set(ids).size) problems.push(`${new Set(ids).size - rows.rows.length} answered donations are not stored`);
    const bad = rows.rows.filter((r) => r.status !== "PAID" || r.groups !== 3 || r.captures !== 1);
    if (bad.length > 0) problems.push(`${bad.length} answered donations are not PAID once with 3 ledger groups and 1 capture (e.g. ${JSON.stringify(bad[0])})`);
    const paidTotal = donationsByStatus.PAID ?? 0;
    if (paidTotal !== ids.length) problems.push(`${paidTotal} PAID donations stored, ${ids.length} answered 201 PAID`);
    const groups = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_groups");
    if (groups.rows[0].n !== 3 * paidTotal) problems.push(`${groups.rows[0].n} ledger groups for ${paidTotal} PAID donations (3 each expected)`);
    const unbalanced = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT group_id FROM ledger_entries GROUP BY group_id, currency
         HAVING SUM(CASE direction WHEN 'DEBIT' THEN amount ELSE -amount END) <> 0) u`,
    );
    const total = await client.query<{ d: string; c: string }>(
      "SELECT COALESCE(SUM(amount) FILTER (WHERE direction = 'DEBIT'), 0)::text AS d, COALESCE(SUM(amount) FILTER (WHERE direction = 'CREDIT'), 0)::text AS c FROM ledger_entries",
    );
    if (unbalanced.rows[0].n > 0) problems.push(`${unbalanced.rows[0].n} ledger groups do not balance`);
    if (total.rows[0].d !== total.rows[0].c) problems.push(`ledger debits ${total.rows[0].d} != credits ${total.rows[0].c}`);
    const captures = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM sandbox_charges WHERE state = 'captured'");
    if (captures.rows[0].n !== paidTotal) problems.push(`${captures.rows[0].n} captured charges for ${paidTotal} PAID donations`);
    // The relay publishes after each commit: give it a moment to drain.
    let outboxUnpublished = 0;
    for (let i = 0; i < 50; i += 1) {
      outboxUnpublished = (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL")).rows[0].n;
      if (outboxUnpublished === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (outboxUnpublished > 0) problems.push(`${outboxUnpublished} events still unpublished 5 s after the load`);
    return { ok: problems.length === 0, problems, donationsByStatus, unbalancedGroups: unbalanced.rows[0].n, outboxUnpublished };
  });
}

function pgbenchBinary(): string {
  for (const candidate of ["pgbench", "/usr/lib/postgresql/15/bin/pgbench", "/usr/lib/postgresql/16/bin/pgbench", "/usr/lib/postgresql/17/bin/pgbench"]) {
    if (spawnSync(candidate, ["--version"]).status === 0) return candidate;
  }
  fail("pgbench not found (Debian: apt-get install postgresql-client; or pass --no-pgbench)");
}

async function runPgbench(run: string): Promise<{ tps: number; command: string }> {
  const bin = pgbenchBinary();
  const database = `bh_bench_${run}_pgbench`;
  await createDatabases([database]);
  try {
    const url = databaseUrl(database);
    const init = spawnSync(bin, ["-i", "-q", "-s", String(pgbenchScale), url], { encoding: "utf8" });
    if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
    const args = ["-c", String(pgbenchClients), "-T", String(pgbenchDurationS), url];
    const command = `pgbench -i -s ${pgbenchScale}; pgbench ${args.slice(0, -1).join(" ")} (TPC-B-like)`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (c: Buffer) => (text += c.toString()));
      child.stderr.on("data", (c: Buffer) => (text += c.toString()));
      child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text}`))));
    });
    const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
    if (!match) throw new Error(`no tps in pgbench's output: ${out}`);
    return { tps: Number(match[1]), command };
  } finally {
    await dropDatabases([database]);
  }
}

interface ModeFigures {
  mode: string;
  connections: number;
  seconds: number;
  requests: number;
  byStatus: Record<string, number>;
  transportErrors: number;
  paidPerSecond: number;
  /** CPU the service processes spent per PAID donation, and transactions committed per PAID donation in their four databases. */
  perDonation: { serviceCpuMs: number; transactions: number; cpuMsByProcess: Record<string, number> };
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  verification: Verification;
}

async function runMode(mode: "launcher" | "processes", run: string): Promise<ModeFigures> {
  const databases = Object.fromEntries(SERVICES.map((s) => [s, `bh_bench_${run}_${mode}_${s.replace("-service", "")}`])) as Record<ServiceName, string>;
  await createDatabases(Object.values(databases));
  log(`${mode}: starting the four services (databases ${Object.values(databases).join(", ")})`);
  const stack = await startStack(mode, databases, `${run}_${mode}`).catch(async (error: unknown) => {
    await dropDatabases(Object.values(databases));
    throw error;
  });
  try {
    const [campaignId] = await seedCampaigns({ url: stack.urls["campaign-service"], campaigns: 1, env: { JWT_SECRET: SECRET } });
    let warm: LoadResult | undefined;
    if (warmupS > 0) {
      log(`${mode}: campaign ${campaignId} seeded; warm-up, ${connections} connections for ${warmupS} s (not counted), then VACUUM ANALYZE`);
      warm = await drive(stack.urls["payment-service"], campaignId, warmupS);
      await vacuumAnalyze(Object.values(databases));
    }
    log(`${mode}: ${connections} connections for ${durationS} s`);
    const cpuOf = () => Object.fromEntries(Object.entries(stack.pids).map(([name, pid]) => [name, cpuMs([pid])]));
    const [cpuBefore, commitsBefore] = [cpuOf(), await commits(Object.values(databases))];
    const load = await drive(stack.urls["payment-service"], campaignId, durationS);
    const [cpuAfter, commitsAfter] = [cpuOf(), await commits(Object.values(databases))];
    const paid = Math.max(1, load.paidIds.length);
    // Exactly-once covers every donation the run made, the warm-up's too.
    const verification = await verify(databases["payment-service"], warm ? { ...load, paidIds: [...warm.paidIds, ...load.paidIds] } : load);
    const sorted = [...load.latenciesMs].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      mode,
      connections,
      seconds: round(load.seconds),
      requests: load.requests,
      byStatus: load.byStatus,
      transportErrors: load.errors,
      paidPerSecond: round(load.paidIds.length / load.seconds),
      // pg_stat_database is updated when a backend reports (at most every second or so): a close estimate.
      perDonation: {
        serviceCpuMs: round(Object.keys(cpuAfter).reduce((sum, name) => sum + (cpuAfter[name] ?? NaN) - (cpuBefore[name] ?? NaN), 0) / paid),
        transactions: round((commitsAfter - commitsBefore) / paid),
        cpuMsByProcess: Object.fromEntries(Object.keys(cpuAfter).map((name) => [name, round(((cpuAfter[name] ?? NaN) - (cpuBefore[name] ?? NaN)) / paid)])),
      },
      latencyMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) },
      verification,
    };
  } finally {
    stopping = true;
    await stack.stop();
    stopping = false;
    await dropDatabases(Object.values(databases));
  }
}

const run = `${process.pid}_${Date.now().toString(36)}`;
const figures: ModeFigures[] = [];
try {
  for (const mode of modes) figures.push(await runMode(mode, run));
} catch (error) {
  // The service's own words are above (the tail of its stderr); the databases are dropped.
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
let pgbench: { tps: number; command: string } | undefined;
if (!values["no-pgbench"]) {
  log(`pgbench: ${pgbenchClients} clients for ${pgbenchDurationS} s on a scratch database`);
  pgbench = await runPgbench(run);
}
const report = {
  server: new URL(serverUrl).host,
  cores: (await import("node:os")).cpus().length,
  loadAverage: (await import("node:os")).loadavg().map((x) => Math.round(x * 100) / 100),
  pgbench: pgbench ?? null,
  modes: figures.map((f) => ({ ...f, ratio: pgbench ? Math.round((f.paidPerSecond / pgbench.tps) * 1000) / 1000 : null })),
};
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log("");
  for (const f of report.modes) {
    console.log(`${f.mode.padEnd(10)} PAID/s ${f.paidPerSecond}  p50 ${f.latencyMs.p50} ms  p95 ${f.latencyMs.p95} ms  p99 ${f.latencyMs.p99} ms  max ${f.latencyMs.max} ms`);
    console.log(`${"".padEnd(10)} ${f.requests} requests in ${f.seconds} s at ${f.connections} connections, by status ${JSON.stringify(f.byStatus)}${f.transportErrors ? `, ${f.transportErrors} transport errors` : ""}`);
    console.log(`${"".padEnd(10)} per PAID donation: ${f.perDonation.serviceCpuMs} ms CPU of the service processes (${Object.entries(f.perDonation.cpuMsByProcess).map(([name, ms]) => `${name} ${ms}`).join(", ")}), ${f.perDonation.transactions} transactions in their databases`);
    console.log(`${"".padEnd(10)} exactly-once: ${f.verification.ok ? "ok" : "FAILED"} (donations ${JSON.stringify(f.verification.donationsByStatus)}, unbalanced groups ${f.verification.unbalancedGroups}, unpublished events ${f.verification.outboxUnpublished})`);
    for (const p of f.verification.problems) console.log(`${"".padEnd(10)} - ${p}`);
    if (f.ratio !== null) console.log(`${"".padEnd(10)} ratio to pgbench ${f.ratio}`);
  }
  if (pgbench) console.log(`pgbench    ${pgbench.tps.toFixed(0)} tps (${pgbench.command})`);
  console.log(`machine    ${report.cores} cores, load average ${report.loadAverage.join(" ")} (other work on the machine shares the cores)`);
}
process.exit(report.modes.every((f) => f.verification.ok) ? 0 : 1);
