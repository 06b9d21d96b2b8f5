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
        { title: "test:ci", service: "campaign-service", status: "passed", durationMs: 12_345, summary: "41 tests" },
        { title: "release", status: "skipped", durationMs: 0, summary: "a required gate failed" },
      ],
    },
    gates: [
      { service: "campaign-service", gate: "code_coverage", status: "fail", actual: "79.4%", threshold: ">= 80%", message: "line coverage 79.4% is below 80%" },
    ],
    deployments: [
      { environment: "development", service: "campaign-service", image: "reg/blessed-horizon/campaign-service:abc123", sourceCommit: "abc1234def" },
      { environment: "production", service: "campaign-service", image: "reg/blessed-horizon/campaign-service:0ld", hold: "reg/blessed-horizon/campaign-service:bad" },
    ],
    history: [
      { time: "2026-11-25T10:00:00Z", action: "rollback", environment: "production", services: ["campaign-service"], images: ["reg/blessed-horizon/campaign-service:0ld"], commit: "f00", author: "Ada <ada@example.org>", signed: false },
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

  it("puts every image in its environment cell, with holds", () => {
    const page = renderDashboard(sample());
    expect(page).toMatch(/data-cell="development\/campaign-service"><code>campaign-service:abc123<\/code>/);
    expect(page).toContain("on hold: campaign-service:bad");
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
    const page = renderDashboard({ title: "t", generatedAt: "now", gates: [], deployments: [], history: [] });
    expect(page).toContain("No pipeline run yet");
    expect(page).toContain("No deployments recorded yet.");
    expect(page).not.toContain("<svg");
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
