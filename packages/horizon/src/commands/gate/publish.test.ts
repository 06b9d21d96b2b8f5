import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { horizonCli } from "../../../test/fixtures/cli.js";

// Issue 15.7: each quality gate is its own commit status, from the JSON `horizon gate` writes, and the aggregate
// horizon/gates is reported on every run. The statuses API as GitHub documents it (REST "Create a commit status":
// POST /repos/{owner}/{repo}/statuses/{sha}, states error|failure|pending|success) is played by a local server.

const repoRoot = resolve(import.meta.dirname, "../../../../..");
const fixtures = resolve(import.meta.dirname, "../../../test/fixtures/evidence");
const SHA = "0123456789abcdef0123456789abcdef01234567";

let dir: string;
let server: Server;
let api: string;
let answer = 201;
const received: Array<{ url: string; auth: string; body: { context: string; state: string; description: string } }> = [];

const readBody = async (req: IncomingMessage): Promise<string> => {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "horizon-publish-"));
  server = createServer((req, res) => {
    void readBody(req).then((text) => {
      received.push({ url: req.url ?? "", auth: req.headers.authorization ?? "", body: JSON.parse(text) as never });
      res.writeHead(answer, { "content-type": "application/json" }).end(answer === 201 ? "{}" : '{"message":"Validation Failed"}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received.length = 0;
  answer = 201;
  process.env.GITHUB_TOKEN = "ghs_test_token";
});

const horizon = horizonCli;

/** `horizon gate` as the quality-gate job runs it, its JSON kept where download-artifact would put it. */
async function gateReport(service: string, audit: string): Promise<number> {
  await mkdir(join(dir, `gates-${service}`), { recursive: true });
  const r = await horizon("gate", "--config", join(repoRoot, "quality-gates.yaml"), "--coverage", join(fixtures, "contracts.lcov"), "--audit", join(fixtures, audit), "--json-out", join(dir, `gates-${service}`, `gates-${service}.json`));
  return r.code;
}

const publish = (services: string, ...more: string[]) => horizon("gate", "publish", "--reports", dir, "--services", services, "--sha", SHA, "--repo", "blessed-horizon/platform", "--api-url", api, ...more);

describe("horizon gate publish", () => {
  it("sets one status per service and gate and a failing aggregate when a gate failed or a report is missing", async () => {
    expect(await gateReport("payment-service", "npm-audit-1-high.json")).toBe(1);
    expect(await gateReport("campaign-service", "npm-audit-clean.json")).toBe(0);
    const r = await publish('["payment-service","campaign-service","trust-service"]');
    expect(r.code).toBe(0);
    expect(new Set(received.map((x) => x.url))).toEqual(new Set([`/repos/blessed-horizon/platform/statuses/${SHA}`]));
    expect(received.every((x) => x.auth === "Bearer ghs_test_token")).toBe(true);
    const byContext = new Map(received.map((x) => [x.body.context, x.body]));
    expect(byContext.get("horizon/gates/payment-service/security_vulnerabilities")?.state).toBe("failure");
    expect(byContext.get("horizon/gates/campaign-service/security_vulnerabilities")?.state).toBe("success");
    expect(byContext.get("horizon/gates/campaign-service/code_coverage")?.state).toBe("success");
    expect(byContext.get("horizon/gates/trust-service")?.state).toBe("error");
    expect(byContext.get("horizon/gates")).toMatchObject({ state: "failure", description: "failed: payment-service; no report: trust-service" });
    // The aggregate comes last, so a reader never sees it green while the per-gate statuses are still arriving.
    expect(received.at(-1)?.body.context).toBe("horizon/gates");
    expect(received.every((x) => x.body.description.length <= 140)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain("ghs_test_token");
  });

  it("passes horizon/gates when no service is affected, so requiring it blocks nothing", async () => {
    const r = await publish("[]");
    expect(r.code).toBe(0);
    expect(received.map((x) => x.body)).toEqual([{ context: "horizon/gates", state: "success", description: "no service affected: no gate to pass" }]);
  });

  it("exits 3 naming the status GitHub refused, and 2 without a token or with a bad SHA", async () => {
    answer = 422;
    const refused = await publish("[]");
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("GitHub refused status horizon/gates (HTTP 422)");
    delete process.env.GITHUB_TOKEN;
    expect((await publish("[]")).code).toBe(2);
    process.env.GITHUB_TOKEN = "t";
    const bad = await horizon("gate", "publish", "--reports", dir, "--services", "[]", "--sha", "abc", "--repo", "o/r", "--api-url", api);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--sha must be a full 40-digit commit SHA");
    expect((await publish("not json [")).code).toBe(2);
  });
});
