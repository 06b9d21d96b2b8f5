import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReport } from "../../src/commands/report/index.js";
import { computeDora } from "../../src/core/dora.js";
import { formatDuration as formatSeconds } from "../../src/core/dora-format.js";
import { toDeployments } from "../../src/core/history.js";
import { readKustomizeImage } from "../../src/gitops/kustomize-image.js";
import { readAuditTrail } from "../../src/gitops/release-log.js";
import type { RunSummary } from "../../src/pipeline/types.js";
import { formatDuration } from "../../src/report/html.js";
import { useTestGitEnv } from "../fixtures/manifests-helpers/repo.js";
import { buildManifestsHistory, buildRun, REGISTRY, REPO_ROOT } from "./real-inputs.js";

const CHROMIUM = "/usr/bin/chromium";
const NOW = new Date("2026-11-26T12:00:00Z");
const SCREENSHOT = join(REPO_ROOT, "packages/horizon/reports/dashboard.png");

const HAS_CHROMIUM = existsSync(CHROMIUM);
const EARLIER_RUN = "20261125T060000Z-aaaa";

/** The image the repository's deploy/ names for a service: what the manifests repo starts with. */
function deployedImage(env: string, service: string): string {
  const file = `environments/${env}/${service}/kustomization.yaml`;
  return readKustomizeImage(readFileSync(join(REPO_ROOT, "deploy", file), "utf8"), file, service);
}
const TITLE = "the delivery dashboard in headless Chromium";

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? TITLE : `${TITLE} (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`, () => {
  let work: string;
  let manifestsDir: string;
  let summary: RunSummary;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    useTestGitEnv();
    work = mkdtempSync(join(tmpdir(), "horizon-dashboard-"));
    manifestsDir = join(work, ".horizon/manifests");
    const runDir = join(work, ".horizon/runs/browser-run");
    await buildManifestsHistory(manifestsDir);
    await buildRun(work, runDir, manifestsDir);
    // An earlier run, with the dashboard it wrote: the page lists it and links to that page.
    const earlier = join(work, ".horizon/runs", EARLIER_RUN);
    mkdirSync(earlier, { recursive: true });
    const earlierSummary: RunSummary = { runId: EARLIER_RUN, startedAt: "2026-11-25T06:00:00.000Z", durationMs: 42_000, status: "passed", services: ["trust-service"], stages: [] };
    writeFileSync(join(earlier, "summary.json"), JSON.stringify(earlierSummary));
    writeFileSync(join(earlier, "dashboard.html"), "<!doctype html><title>earlier</title>");
    // What the dashboard must show is what the run wrote to disk, not what executeStages returned.
    summary = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as RunSummary;
    const out = await runReport({}, { cwd: work, write: () => undefined, now: NOW });
    expect(out).toBe(join(runDir, "dashboard.html"));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(out).href);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The text of every cell of every row `selector` matches, as a person reads the table. */
  async function cells(selector: string): Promise<string[][]> {
    const rows = await page.locator(selector).all();
    return Promise.all(rows.map(async (row) => (await row.locator("td").allTextContents()).map((text) => text.trim())));
  }

  it("shows the last run failed, which gate failed, and every stage with its status and duration from summary.json", async () => {
    expect(summary.status).toBe("failed");
    await expect(page.locator("#run h2 .badge").textContent()).resolves.toBe("failed");
    await expect(page.getByTestId("run-duration").textContent()).resolves.toBe(formatDuration(summary.durationMs));
    const failure = (await page.getByTestId("run-failure").textContent()) ?? "";
    expect(failure).toContain("quality gates payment-service");
    expect(failure).toContain("66.67%");
    const rows = await cells("#run table.stages tbody tr");
    expect(rows.map((r) => r.slice(0, 5))).toEqual(summary.stages.map((s) => [s.title, s.service ?? "", s.status, formatDuration(s.durationMs), s.summary]));
    expect(rows.map((r) => r[2])).toEqual(["passed", "passed", "skipped", "warning", "failed", "skipped"]);
    expect(rows[2]?.[4]).toBe("skipped: no container engine");
    expect(rows[5]?.[4]).toMatch(/^blocked: quality gates payment-service failed \(code_coverage: /);
    // The test stages ran a real process that waited 120 ms.
    expect(summary.stages[0]?.durationMs).toBeGreaterThanOrEqual(100);
  });

  it("shows each gate's actual value against its threshold", async () => {
    const failed = await cells('[data-gate="payment-service/code_coverage.line_coverage"]');
    expect(failed).toEqual([["payment-service", "code_coverage.line_coverage", "fail", "66.67%", "≥ 80%", expect.stringContaining("66.67%") as string]]);
    const passed = await cells('[data-gate="campaign-service/code_coverage.line_coverage"]');
    expect(passed[0]?.slice(2, 5)).toEqual(["pass", "95%", "≥ 80%"]);
    const latency = await cells('[data-gate="shared/performance_tests.p95_latency"]');
    expect(latency).toEqual([["all services (2)", "performance_tests.p95_latency", "warn", "no evidence", "≤ 100 ms", expect.any(String) as string]]);
  });

  it("shows the evidence both services share once, and each service's coverage apart", async () => {
    const gates = JSON.parse(readFileSync(join(work, ".horizon/runs/browser-run/gates/payment-service.json"), "utf8")) as { gates: { gate: string; checks: unknown[] }[] };
    const checks = gates.gates.flatMap((g) => g.checks.map(() => g.gate));
    const shared = checks.filter((g) => g !== "code_coverage").length;
    expect(shared).toBeGreaterThan(0);
    // Two coverage rows, one row per shared check: not one per check per service.
    await expect(page.locator("#gates tbody tr").count()).resolves.toBe(2 + shared);
    await expect(page.locator('[data-gate^="campaign-service/"]').count()).resolves.toBe(1);
    await expect(page.locator('[data-gate="shared/performance_tests.p95_latency"] td').first().getAttribute("title")).resolves.toBe("campaign-service, payment-service");
  });

  it("links each stage to the log, coverage and gate report it wrote, and the links open those files", async () => {
    const links = await page.locator("#run table.stages tbody tr").nth(1).locator("td.files a").all();
    const labelled = await Promise.all(links.map(async (a) => [await a.textContent(), await a.getAttribute("href")]));
    expect(labelled).toEqual([
      ["log", "logs/test-payment-service.log"],
      ["coverage", "coverage/payment-service.lcov"],
    ]);
    const gateLinks = await page.locator("#run table.stages tbody tr").nth(4).locator("td.files a").allTextContents();
    expect(gateLinks).toEqual(["log", "gate report"]);
    // Each link resolves, from the page, to a file the run wrote.
    for (const a of await page.locator("td.files a").all()) {
      const target = fileURLToPath(new URL((await a.getAttribute("href")) ?? "", page.url()));
      expect(existsSync(target), target).toBe(true);
    }
    const log = await page.locator("#run table.stages tbody tr").first().locator("td.files a").first().getAttribute("href");
    expect(readFileSync(fileURLToPath(new URL(log ?? "", page.url())), "utf8")).toContain("4 tests passed");
  });

  it("lists this run and the earlier one, linking to the earlier run's own dashboard", async () => {
    const rows = await cells("#runs tbody tr");
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      ["browser-run (this run)", "failed"],
      [EARLIER_RUN, "passed"],
    ]);
    const href = await page.locator(`#runs a:text("${EARLIER_RUN}")`).getAttribute("href");
    expect(href).toBe(`../${EARLIER_RUN}/dashboard.html`);
  });

  it("puts the full image each environment runs in its cell, marks -wip and hand-made ones, and the hold left by the rollback", async () => {
    const expected: Record<string, string> = {
      "production/campaign-service": "1.1.0",
      "production/payment-service": "2.0.0",
      "development/trust-service": "0.2.0",
      "development/campaign-service": "0123456789ab-wip.browser-run",
    };
    for (const env of ["development", "staging", "production"]) {
      for (const service of ["campaign-service", "notification-service", "payment-service", "trust-service"]) {
        const tag = expected[`${env}/${service}`];
        await expect(page.locator(`[data-cell="${env}/${service}"] code`).textContent(), `${env}/${service}`).resolves.toBe(tag ? `${REGISTRY}/${service}:${tag}` : deployedImage(env, service));
      }
    }
    await expect(page.locator('[data-cell="production/campaign-service"] .hold').textContent()).resolves.toBe(`on hold: ${REGISTRY}/campaign-service:1.2.0`);
    await expect(page.locator(".hold").count()).resolves.toBe(1);
    await expect(page.locator('[data-cell="development/trust-service"]').textContent()).resolves.toContain("from 020abcd");
    await expect(page.locator('[data-cell="development/campaign-service"] .mark.wip').textContent()).resolves.toBe("uncommitted work (-wip)");
    await expect(page.locator(".matrix .mark.wip").count()).resolves.toBe(1);
    // What no horizon release touched still runs what the commit that made the repo (no Horizon trailers) put there.
    await expect(page.locator('[data-cell="staging/notification-service"] .mark.unmanaged').textContent()).resolves.toBe("made without horizon");
    await expect(page.locator('[data-cell="production/payment-service"] .mark').count()).resolves.toBe(0);
  });

  it("lists the history newest first with the rollback and the deployment it undid", async () => {
    const rows = await cells("#history tbody tr");
    const all = ["campaign-service", "notification-service", "payment-service", "trust-service"];
    expect(rows.map((r) => [r[1], r[2], r[3], r[4]])).toEqual([
      ["rollback", "production", "campaign-service", `${REGISTRY}/campaign-service:1.1.0`],
      ["deploy (rolled back)", "production", "campaign-service", `${REGISTRY}/campaign-service:1.2.0`],
      ["deploy", "development", "campaign-service", `${REGISTRY}/campaign-service:0123456789ab-wip.browser-run -wip`],
      ["deploy", "development", "trust-service", `${REGISTRY}/trust-service:0.2.0`],
      ["deploy", "production", "payment-service", `${REGISTRY}/payment-service:2.0.0`],
      ["deploy", "production", "campaign-service", `${REGISTRY}/campaign-service:1.1.0`],
      // The commit that made the manifests repo carries no Horizon trailers: a change made without horizon.
      ...["development", "production", "staging"].map((env) => ["unmanaged change", env, all.join(", "), all.map((s) => deployedImage(env, s)).join(" ")]),
    ]);
    await expect(page.locator("#history tbody tr.rollback").count()).resolves.toBe(1);
    await expect(page.locator("#history tbody tr.unmanaged").count()).resolves.toBe(3);
    expect(rows[0]?.[0]).toBe("2026-11-25T11:00:00Z".replace("Z", "+00:00"));
  });

  it("shows the DORA figures `horizon dora` computes from the audit trail, over the repository's age", async () => {
    const { releases, unmanaged } = await readAuditTrail(manifestsDir);
    const deployments = toDeployments(releases, "production", unmanaged);
    // The repository was made on 2026-11-20: the 90 days asked for start there.
    const report = computeDora(deployments, [], { start: Date.parse("2026-11-20T08:00:00Z"), end: NOW.getTime() + 1 });
    const cards = await Promise.all(
      (await page.locator("#dora .card").all()).map((card) => Promise.all([".label", ".value", ".small"].map((part) => card.locator(part).textContent()))),
    );
    // The four services the first commit put in production, then three horizon deploys.
    expect(report.deploymentFrequency.deployments).toBe(7);
    expect(cards).toEqual([
      ["Deployment frequency", `${report.deploymentFrequency.deployDaysPerWeek.toFixed(1)} days/week`, "7 deployments on 3 days"],
      ["Lead time for changes", formatSeconds(report.leadTime.medianSeconds), "median of 3"],
      ["Change failure rate", "14.3%", "1 of 7 deployments"],
      ["Time to restore", formatSeconds(report.timeToRestore.medianSeconds), "median of 1"],
    ]);
    expect(cards[1]?.[1]).toBe("1.0 d");
    expect(cards[3]?.[1]).toBe("1.0 h");
    await expect(page.locator("#dora h2 .small").textContent()).resolves.toBe("production, since 2026-11-20, the repository's first commit (asked: last 90 days)");
  });

  it("draws one bar per day from the first deployment to today, each with its count", async () => {
    const titles = await page.locator('svg[aria-label="Deployments per day"] rect.bar title').allTextContents();
    expect(titles).toEqual([
      "2026-11-20: 4 deploys",
      "2026-11-21: 0 deploys",
      "2026-11-22: 0 deploys",
      "2026-11-23: 2 deploys",
      "2026-11-24: 0 deploys",
      "2026-11-25: 1 deploys",
      "2026-11-26: 0 deploys",
    ]);
    const bars = await page.locator('svg[aria-label="Deployments per day"] rect.bar').all();
    const heights = await Promise.all(bars.map(async (bar) => (await bar.boundingBox())?.height ?? 0));
    expect(heights[0]).toBeGreaterThan(heights[3] ?? Infinity);
    expect(heights[3]).toBeGreaterThan(heights[5] ?? Infinity);
    expect(heights[1]).toBe(0);
  });

  it("loads nothing but the file itself, and is saved as a screenshot", async () => {
    expect(requests).toEqual([pathToFileURL(join(work, ".horizon/runs/browser-run/dashboard.html")).href]);
    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe("PNG");
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
  });
});
