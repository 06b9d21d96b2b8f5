/**
 * `npm run -s seed -- --url http://127.0.0.1:8081 [--campaigns 20]`: creates,
 * publishes and approves campaigns through campaign-service's public API, as
 * an organizer and the trust team would, so that a load test of
 * `GET /api/v1/campaigns` measures a realistic page, not an empty one. The
 * local pipeline's seed stage and ci.yml's load test both run it. The token
 * it signs (organizer, trust; 10 minutes) uses JWT_SECRET or the development
 * secret, and JWT_ISSUER / JWT_AUDIENCE when set; it is never printed.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEVELOPMENT_JWT_SECRET, signToken } from "@blessed-horizon/service-kit";

const HELP = `Usage: npm run -s seed -- --url <campaign-service base URL> [--campaigns 20]

Creates, publishes and approves that many campaigns through the public API.
Exit codes: 0 seeded, 2 bad options, 3 campaign-service refused or did not answer.`;

interface SeedOptions {
  url: string;
  campaigns: number;
  env: NodeJS.ProcessEnv;
}

async function post(url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: unknown) => {
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a timeout).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${new URL(url).origin} did not answer (${cause?.code ?? cause?.message ?? String(error)}): is campaign-service running there?`, { cause: error });
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${new URL(url).pathname} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Seeds `campaigns` active campaigns; returns their ids. */
export async function seedCampaigns(options: SeedOptions, progress: (line: string) => void = () => undefined): Promise<string[]> {
  const secret = options.env.JWT_SECRET || DEVELOPMENT_JWT_SECRET;
  const address = { issuer: options.env.JWT_ISSUER || undefined, audience: options.env.JWT_AUDIENCE || undefined };
  const token = await signToken({ sub: "horizon-seed", roles: ["organizer", "trust"] }, secret, "10m", address);
  const base = `${options.url.replace(/\/$/, "")}/api/v1/campaigns`;
  const ids: string[] = [];
  for (let i = 1; i <= options.campaigns; i++) {
    progress(`campaign ${i} of ${options.campaigns}`);
    const body = { title: `Seed campaign ${i}`, story: "Created for the load test.", beneficiary: `Beneficiary ${i}`, goal: { amount: 100_000 * i, currency: "USD" } };
    const id = String((await post(base, token, body)).id);
    await post(`${base}/${id}/publish`, token);
    await post(`${base}/${id}/approve`, token);
    ids.push(id);
  }
  return ids;
}

async function seedCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { url: { type: "string" }, campaigns: { type: "string", default: "20" }, help: { type: "boolean", short: "h", default: false } } }));
  } catch (error) {
    return { code: 2, out: `seed: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}` };
  }
  if (values.help) return { code: 0, out: HELP };
  if (!values.url || !/^https?:\/\//.test(values.url)) return { code: 2, out: `seed: --url must be campaign-service's http(s) base URL, got ${JSON.stringify(values.url ?? "")}` };
  const campaigns = Number(values.campaigns);
  if (!/^\d+$/.test(values.campaigns) || campaigns < 1 || campaigns > 1000) return { code: 2, out: `seed: --campaigns must be a whole number from 1 to 1000, got "${values.campaigns}"` };
  try {
    const ids = await seedCampaigns({ url: values.url, campaigns, env });
    return { code: 0, out: `${ids.length} active campaigns` };
  } catch (error) {
    return { code: 3, out: `seed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

// Run as a script (not when a test imports seedCampaigns).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { code, out } = await seedCommand(process.argv.slice(2), process.env);
  (code === 0 ? process.stdout : process.stderr).write(`${out}\n`);
  process.exitCode = code;
}
