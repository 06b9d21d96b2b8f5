import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { gateStatuses, type CommitStatus, type ServiceGates } from "../../core/gate-statuses.js";
import type { GateReport } from "../../core/gates.js";
import { parseGateReport } from "../../evidence/gate-report.js";
import { ExternalError, InputError } from "../../errors.js";
import { readUserFile } from "../../io/fs.js";

export interface PublishOptions {
  reports: string;
  services: string;
  sha?: string;
  repo?: string;
  apiUrl?: string;
  targetUrl?: string;
  dryRun?: boolean;
  json?: boolean;
}

interface PublishContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  write: (text: string) => void;
}

/** `["a","b"]` (a workflow's JSON output) or `a,b`; empty means no service was affected. */
function parseServiceList(value: string): string[] {
  const text = value.trim();
  if (text === "" || text === "[]") return [];
  let names: unknown = text.split(",").map((s) => s.trim());
  if (text.startsWith("[")) {
    try {
      names = JSON.parse(text);
    } catch {
      throw new InputError(`--services ${value} is neither a JSON array nor a comma-separated list`);
    }
  }
  const parsed = z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).safeParse(names);
  if (!parsed.success) throw new InputError(`--services ${value}: every entry must be a service name (lowercase letters, digits, dashes)`);
  return [...new Set(parsed.data)];
}

/** Every `gates-<service>.json` under `dir` (download-artifact puts each artifact in its own folder). */
async function findReports(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return found; // no report arrived at all: every affected service is reported missing
  }
  for (const e of entries) {
    const m = /^gates-([a-z0-9][a-z0-9-]*)\.json$/.exec(e.name);
    if (e.isFile() && m) found.set(m[1], join(e.parentPath, e.name));
  }
  return found;
}

async function readReport(path: string): Promise<GateReport> {
  const parsed = parseGateReport(await readUserFile(path, "gate report"));
  if ("invalid" in parsed) throw new InputError(`gate report ${path} is not horizon gate's JSON (write it with horizon gate --json-out): ${parsed.invalid}`);
  return parsed.report;
}

async function post(apiUrl: string, repo: string, sha: string, token: string, status: CommitStatus): Promise<void> {
  const url = `${apiUrl.replace(/\/$/, "")}/repos/${repo}/statuses/${sha}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { accept: "application/vnd.github+json", authorization: `Bearer ${token}`, "x-github-api-version": "2022-11-28", "content-type": "application/json" },
      body: JSON.stringify(status),
    });
  } catch (error) {
    throw new ExternalError(`cannot reach ${apiUrl} to set ${status.context}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) {
    const body = (await response.text()).slice(0, 300);
    throw new ExternalError(`GitHub refused status ${status.context} (HTTP ${response.status}): ${body}`);
  }
}

/** `horizon gate publish`: the gate reports of the affected services as commit statuses, and the aggregate one. */
// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function runPublish(options: PublishOptions, context: PublishContext): Promise<CommitStatus[]> {
  const services = parseServiceList(options.services);
  const reports = await findReports(resolve(context.cwd, options.reports));
  const gates: ServiceGates[] = [];
  for (const service of services) {
    const path = reports.get(service);
    gates.push(path ? { service, report: await readReport(path) } : { service });
  }
  const statuses = gateStatuses(gates, options.targetUrl);
  if (!options.dryRun) {
    const sha = options.sha ?? context.env.GITHUB_SHA;
    const repo = options.repo ?? context.env.GITHUB_REPOSITORY;
    const token = context.env.GITHUB_TOKEN;
    if (!sha || !/^[0-9a-f]{40}$/i.test(sha)) throw new InputError(`--sha must be a full 40-digit commit SHA (got ${sha ?? "nothing"}; GITHUB_SHA is not set)`);
    if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new InputError(`--repo must be OWNER/NAME (got ${repo ?? "nothing"}; GITHUB_REPOSITORY is not set)`);
    if (!token) throw new InputError("GITHUB_TOKEN is not set: statuses need a token with statuses: write (use --dry-run to only print them)");
    const apiUrl = options.apiUrl ?? context.env.GITHUB_API_URL ?? "https://api.github.com";
    for (const status of statuses) await post(apiUrl, repo, sha, token, status);
  }
  if (options.json) context.write(`${JSON.stringify(statuses, null, 2)}\n`);
  else for (const s of statuses) context.write(`${s.state.padEnd(7)}  ${s.context}  ${s.description}\n`);
  return statuses;
}
