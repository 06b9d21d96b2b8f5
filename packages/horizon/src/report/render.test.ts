import { describe, expect, it } from "vitest";
import type { DashboardData } from "./model.js";
import { formatDuration } from "./html.js";
import { renderDashboard } from "./render.js";

function sample(): DashboardData {
  return {
    title: "Blessed Horizon delivery",
    generatedAt: "2026-11-26T06:00:00Z",
    run: {
      runId: "20261126-060000",
      status: "failed",
      startedAt: "2026-11-26T06:00:00Z",
      durationMs: 125_000,
      commit: "0123456789abcdef0123",
      services: ["campaign-service"],
      failure: "gate code_coverage failed for campaign-service: line coverage 79.4% is below 80%",
      stages: [
        {
          title: "test:ci",
          service: "campaign-service",
          status: "passed",
          durationMs: 12_345,
          summary: "41 tests",
          links: [
            { label: "log", href: "logs/test-campaign-service.log" },
            { label: "coverage", href: "coverage/campaign-service.lcov" },
            { label: "JUnit", href: "junit/campaign-service.xml" },
          ],
        },
        { title: "release", status: "skipped", durationMs: 0, summary: "a required gate failed" },
      ],
    },
    runs: [
      { runId: "20261126-060000", status: "failed", startedAt: "2026-11-26T06:00:00Z", durationMs: 125_000, services: ["campaign-service"], current: true, href: "dashboard.html" },
      { runId: "20261125-060000", status: "passed", startedAt: "2026-11-25T06:00:00Z", durationMs: 61_000, services: ["payment-service"], current: false, href: "../20261125-060000/dashboard.html" },
      { runId: "20261124-060000", status: "interrupted", startedAt: "2026-11-24T06:00:00Z", durationMs: 3_000, services: [], current: false },
    ],
    gates: [
      { services: ["campaign-service"], shared: false, gate: "code_coverage", status: "fail", actual: "79.4%", threshold: ">= 80%", message: "line coverage 79.4% is below 80%" },
      { services: ["campaign-service", "payment-service"], shared: true, gate: "security_vulnerabilities.critical", status: "pass", actual: "0", threshold: "≤ 0", message: "no critical" },
    ],
    deployments: [
      { environment: "development", service: "campaign-service", image: "reg/blessed-horizon/campaign-service:abc123-wip.run-7", sourceCommit: "abc1234def", managed: true, wip: true },
      { environment: "production", service: "campaign-service", image: "reg/blessed-horizon/campaign-service:0ld", hold: "reg/blessed-horizon/campaign-service:bad", managed: true, wip: false },
      { environment: "staging", service: "campaign-service", image: "reg/blessed-horizon/campaign-service:hotfix", managed: false, wip: false },
    ],
    history: [
      { time: "2026-11-25T10:00:00Z", action: "rollback", environment: "production", services: ["campaign-service"], images: ["reg/blessed-horizon/campaign-service:0ld"], commit: "f00", author: "Ada <ada@example.org>", signed: false, managed: true },
      { time: "2026-11-24T10:00:00Z", action: "unmanaged change", environment: "staging", services: ["campaign-service"], images: ["reg/blessed-horizon/campaign-service:hotfix"], commit: "f01", author: "Bob", signed: false, managed: false },
    ],
    policies: [
      {
        environment: "production",
        timezone: "Europe/Berlin",
        frozen: { reason: "incident 42", until: "until unfrozen" },
        open: false,
        autoPromote: false,
        soak: "2 h in staging",
        soaking: [{ service: "campaign-service", image: "reg/blessed-horizon/campaign-service:hotfix", from: "staging", status: "1 h 20 min left", eligibleAt: "2026-11-26 08:20 Europe/Berlin (07:20 UTC)" }],
        flags: [{ key: "campaign-list-cache-ttl-ms", serves: "1000" }],
      },
      { environment: "staging", timezone: "Europe/Berlin", open: false, nextOpen: "2026-11-26 08:00 Europe/Berlin (07:00 UTC)", autoPromote: true, soak: "30 min in development", soaking: [], flags: [] },
    ],
    dora: {
      environment: "production",
      window: "last 90 days",
      metrics: [{ label: "Deployment frequency", value: "3.5 / week", tier: "High" }],
      deploysPerDay: [
        { date: "2026-11-24", value: 2 },
        { date: "2026-11-25", value: 5 },
      ],
      leadTimeHours: [{ date: "2026-11-25", value: 1.5 }],
    },
  };
}

describe("renderDashboard", () => {
  it("shows the run's stages, durations and failure", () => {
    const page = renderDashboard(sample());
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("2 min 5 s");
    expect(page).toContain("12.3 s");
    expect(page).toContain("line coverage 79.4% is below 80%");
  });

  it("puts every image in its environment cell by its full name, with holds", () => {
    const page = renderDashboard(sample());
    expect(page).toMatch(/data-cell="production\/campaign-service"><code>reg\/blessed-horizon\/campaign-service:0ld<\/code>/);
    expect(page).toContain("on hold: reg/blessed-horizon/campaign-service:bad");
  });

  it("marks images built from uncommitted work and images a hand edit put there", () => {
    const page = renderDashboard(sample());
    expect(page).toMatch(/<td class="wip" data-cell="development\/campaign-service">.*<span class="mark wip">uncommitted work \(-wip\)<\/span>/);
    expect(page).toMatch(/<td class="unmanaged" data-cell="staging\/campaign-service">.*<span class="mark unmanaged">made without horizon<\/span>/);
    expect(page).not.toMatch(/data-cell="production\/campaign-service">[^\n]*class="mark/);
    expect(page).toMatch(/<tr class="unmanaged"><td>2026-11-24T10:00:00Z<\/td><td>unmanaged change/);
  });

  it("links each stage to its log, coverage and JUnit files", () => {
    const page = renderDashboard(sample());
    expect(page).toContain('<a href="logs/test-campaign-service.log">log</a> <a href="coverage/campaign-service.lcov">coverage</a> <a href="junit/campaign-service.xml">JUnit</a>');
  });

  it("lists every run, newest first, linking to the others' dashboards", () => {
    const page = renderDashboard(sample());
    const runs = page.slice(page.indexOf('id="runs"'));
    expect(runs).toMatch(/<tr class="current failed"><td>20261126-060000 \(this run\)<\/td>/);
    expect(runs).toContain('<a href="../20261125-060000/dashboard.html">20261125-060000</a>');
    expect(runs).toMatch(/<td>20261124-060000<\/td><td><span class="badge interrupted">interrupted<\/span>/);
  });

  it("shows shared evidence once, naming the services it judges", () => {
    const page = renderDashboard(sample());
    expect(page.match(/data-gate="/g)).toHaveLength(2);
    expect(page).toContain('data-gate="shared/security_vulnerabilities.critical"><td class="nowrap" title="campaign-service, payment-service">all services (2)</td>');
  });

  it("draws one bar per day with the figure in its tooltip", () => {
    const page = renderDashboard(sample());
    expect(page.match(/<rect class="bar"/g)).toHaveLength(3);
    expect(page).toContain("<title>2026-11-25: 5 deploys</title>");
  });

  it("escapes text from commits and authors", () => {
    const data = sample();
    data.history[0].author = '<script>alert("x")</script>';
    const page = renderDashboard(data);
    expect(page).not.toContain("<script>");
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("says what is missing instead of drawing empty sections", () => {
    const page = renderDashboard({ title: "t", generatedAt: "now", runs: [], gates: [], deployments: [], history: [], policies: [] });
    expect(page).toContain("No pipeline run yet");
    expect(page).toContain("No deployments recorded yet.");
    expect(page).not.toContain("<svg");
  });

  it("shows per environment whether it is frozen, the next window, the images soaking with the time left, and the flags (issue 15.8, 17.2)", () => {
    const page = renderDashboard(sample());
    const section = page.slice(page.indexOf('id="policy"'), page.indexOf("</section>", page.indexOf('id="policy"')));
    // Promotion order: staging's row before production's.
    expect(section.indexOf('data-env="staging"')).toBeLessThan(section.indexOf('data-env="production"'));
    expect(section).toContain("frozen until unfrozen");
    expect(section).toContain("incident 42");
    expect(section).toContain("next window 2026-11-26 08:00 Europe/Berlin (07:00 UTC)");
    expect(section).toContain("1 h 20 min left, eligible 2026-11-26 08:20 Europe/Berlin (07:20 UTC)");
    expect(section).toContain("<code>campaign-list-cache-ttl-ms</code> <span class=\"small\">1000</span>");
    expect(section).toContain("auto-promote");
  });

  it("needs nothing from the network", () => {
    const page = renderDashboard(sample());
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
  });
});

describe("formatDuration", () => {
  it("never reads 60 seconds past a minute", () => {
    expect(formatDuration(119_600)).toBe("2 min 0 s");
    expect(formatDuration(59_960)).toBe("1 min 0 s");
    expect(formatDuration(59_940)).toBe("59.9 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(450)).toBe("450 ms");
  });
});
