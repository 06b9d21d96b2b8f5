import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runReport } from "../../src/commands/report/index.js";
import { computeDora } from "../../src/core/dora.js";
import { formatDuration as formatSeconds } from "../../src/core/dora-format.js";
import { toDeployments } from "../../src/core/history.js";
import { readReleaseHistory } from "../../src/gitops/release-log.js";
import type { RunSummary } from "../../src/pipeline/types.js";
import { formatDuration } from "../../src/report/html.js";
import { useTestGitEnv } from "../fixtures/manifests-helpers/repo.js";
import { buildManifestsHistory, buildRun, REPO_ROOT } from "./real-inputs.js";

const CHROMIUM = "/usr/bin/chromium";
const NOW = new Date("2026-11-26T12:00:00Z");
const SCREENSHOT = join(REPO_ROOT, "packages/horizon/reports/dashboard.png");

const HAS_CHROMIUM = existsSync(CHROMIUM);
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
    expect(rows).toEqual(summary.stages.map((s) => [s.title, s.service ?? "", s.status, formatDuration(s.durationMs), s.summary]));
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
    const latency = await cells('[data-gate="campaign-service/performance_tests.p95_latency"]');
    expect(latency[0]?.slice(2, 5)).toEqual(["warn", "no evidence", "≤ 100 ms"]);
  });

  it("puts the image each environment runs in its cell, and the hold left by the rollback", async () => {
    const expected: Record<string, string> = { "production/campaign-service": "1.1.0", "production/payment-service": "2.0.0", "development/trust-service": "0.2.0" };
    for (const env of ["development", "staging", "production"]) {
      for (const service of ["campaign-service", "notification-service", "payment-service", "trust-service"]) {
        const tag = expected[`${env}/${service}`] ?? "0.1.0";
        await expect(page.locator(`[data-cell="${env}/${service}"] code`).textContent(), `${env}/${service}`).resolves.toBe(`${service}:${tag}`);
      }
    }
    await expect(page.locator('[data-cell="production/campaign-service"] .hold').textContent()).resolves.toBe("on hold: campaign-service:1.2.0");
    await expect(page.locator(".hold").count()).resolves.toBe(1);
    await expect(page.locator('[data-cell="development/trust-service"]').textContent()).resolves.toContain("from 020abcd");
  });

  it("lists the history newest first with the rollback and the deployment it undid", async () => {
    const rows = await cells("#history tbody tr");
    expect(rows.map((r) => [r[1], r[2], r[3], r[4]])).toEqual([
      ["rollback", "production", "campaign-service", "campaign-service:1.1.0"],
      ["deploy (rolled back)", "production", "campaign-service", "campaign-service:1.2.0"],
      ["deploy", "development", "trust-service", "trust-service:0.2.0"],
      ["deploy", "production", "payment-service", "payment-service:2.0.0"],
      ["deploy", "production", "campaign-service", "campaign-service:1.1.0"],
    ]);
    await expect(page.locator("#history tbody tr.rollback").count()).resolves.toBe(1);
    expect(rows[0]?.[0]).toBe("2026-11-25T11:00:00Z".replace("Z", "+00:00"));
  });

  it("shows the DORA figures computeDora gives for that history", async () => {
    const deployments = toDeployments(await readReleaseHistory(manifestsDir), "production");
    const report = computeDora(deployments, [], { start: NOW.getTime() - 90 * 86_400_000, end: NOW.getTime() + 1 });
    const cards = await Promise.all(
      (await page.locator("#dora .card").all()).map((card) => Promise.all([".label", ".value", ".small"].map((part) => card.locator(part).textContent()))),
    );
    expect(report.deploymentFrequency.deployments).toBe(3);
    expect(cards).toEqual([
      ["Deployment frequency", `${report.deploymentFrequency.deployDaysPerWeek.toFixed(1)} days/week`, "3 deployments on 2 days"],
      ["Lead time for changes", formatSeconds(report.leadTime.medianSeconds), "median of 3"],
      ["Change failure rate", "33.3%", "1 of 3 deployments"],
      ["Time to restore", formatSeconds(report.timeToRestore.medianSeconds), "median of 1"],
    ]);
    expect(cards[1]?.[1]).toBe("1.0 d");
    expect(cards[3]?.[1]).toBe("1.0 h");
    await expect(page.locator("#dora h2 .small").textContent()).resolves.toBe("production, last 90 days");
  });

  it("draws one bar per day from the first deployment to today, each with its count", async () => {
    const titles = await page.locator('svg[aria-label="Deployments per day"] rect.bar title').allTextContents();
    expect(titles).toEqual(["2026-11-23: 2 deploys", "2026-11-24: 0 deploys", "2026-11-25: 1 deploys", "2026-11-26: 0 deploys"]);
    const bars = await page.locator('svg[aria-label="Deployments per day"] rect.bar').all();
    const heights = await Promise.all(bars.map(async (bar) => (await bar.boundingBox())?.height ?? 0));
    expect(heights[0]).toBeGreaterThan(heights[2] ?? Infinity);
    expect(heights[1]).toBe(0);
  });

  it("loads nothing but the file itself, and is saved as a screenshot", async () => {
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:\/\//);
    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe("PNG");
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
  });
});
