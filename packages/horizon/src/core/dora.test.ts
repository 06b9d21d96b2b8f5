import { describe, expect, it } from "vitest";
import { computeDora, median } from "./dora.js";
import type { Deployment } from "./dora.js";
import { DORA_2024 } from "./dora-tiers.js";
import { parseIncidents } from "./dora-incidents.js";
import { parseSince } from "./history.js";

const t = (iso: string): number => Date.parse(iso);
const window = { start: t("2026-01-05T00:00:00Z"), end: t("2026-01-19T00:00:00Z") };
const dep = (commit: string, iso: string, extra: Partial<Deployment> = {}): Deployment => ({
  commit,
  service: "payment-service",
  environment: "production",
  deployedAt: t(iso),
  ...extra,
});

describe("computeDora", () => {
  it("never guesses the cause of an incident: one without a link blames no deployment and is listed as unlinked", () => {
    // Issue 14, case 5: it used to blame the last deployment before it opened, here an unrelated one.
    const report = computeDora(
      [dep("aaaa1111", "2026-01-05T10:00:00Z"), dep("bbbb2222", "2026-01-06T10:00:00Z", { service: "trust-service" }), dep("cccc3333", "2026-01-08T10:00:00Z")],
      [{ id: "INC-1", openedAt: t("2026-01-07T10:00:00Z"), resolvedAt: t("2026-01-07T12:00:00Z") }],
      window,
    );
    expect(report.failures).toEqual([]);
    expect(report.changeFailureRate).toMatchObject({ rate: 0, failed: 0, deployments: 3 });
    expect(report.unlinkedIncidents).toEqual(["INC-1"]);
  });

  it("an incident that names its deployment fails it, restored when the incident is resolved", () => {
    const report = computeDora(
      [dep("aaaa1111", "2026-01-05T10:00:00Z"), dep("bbbb2222", "2026-01-06T10:00:00Z")],
      [{ id: "INC-1", openedAt: t("2026-01-07T10:00:00Z"), resolvedAt: t("2026-01-07T12:00:00Z"), deployment: "bbbb" }],
      window,
    );
    expect(report.failures).toEqual([{ commit: "bbbb2222", service: "payment-service", deployedAt: t("2026-01-06T10:00:00Z"), restoredAt: t("2026-01-07T12:00:00Z"), causes: ["incident INC-1"] }]);
    expect(report.timeToRestore.medianSeconds).toBe(26 * 3600);
    expect(report.timeToRestore.tier).toBe("medium");
  });

  it("counts frequency over the weeks since the first deployment in the window, not the days before it", () => {
    // Issue 14, case 4: --since 90d over a 30-day history. Deployments on 28 of the last 30 days.
    const end = t("2026-03-31T00:00:00Z");
    const first = end - 30 * 86_400_000;
    const deployments = Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i !== 3 && i !== 17)
      .map((i) => dep(`d${i}`, new Date(first + i * 86_400_000 + 3_600_000).toISOString()));
    const report = computeDora(deployments, [], { start: end - 90 * 86_400_000, end });
    // 28 deploy days over the 30 days minus one hour since the first deployment: 28 / ((30 d - 1 h) / 7 d).
    expect(report.deploymentFrequency.deployDays).toBe(28);
    expect(report.deploymentFrequency.weeks).toBeCloseTo((30 - 1 / 24) / 7, 10);
    expect(report.deploymentFrequency.deployDaysPerWeek).toBeCloseTo(28 / ((30 - 1 / 24) / 7), 10);
    expect(report.deploymentFrequency.tier).toBe("elite");
  });

  it("counts at least one week, so a first deployment an hour ago is 1 deploy day per week, not 168", () => {
    const end = t("2026-01-19T00:00:00Z");
    const report = computeDora([dep("a", "2026-01-18T23:00:00Z")], [], { start: t("2026-01-05T00:00:00Z"), end });
    expect(report.deploymentFrequency).toMatchObject({ deployDays: 1, weeks: 1, deployDaysPerWeek: 1 });
  });

  it("says which definition it computes", () => {
    expect(computeDora([], [], window).definition).toBe("dora");
  });

  it("restores at the earlier of rollback and incident resolution; an open failure has no restore time", () => {
    const report = computeDora(
      [dep("aaaa1111", "2026-01-05T10:00:00Z", { rolledBackAt: t("2026-01-05T10:20:00Z") }), dep("bbbb2222", "2026-01-06T10:00:00Z")],
      [
        { id: "A", openedAt: t("2026-01-05T10:05:00Z"), resolvedAt: t("2026-01-05T12:00:00Z"), deployment: "aaaa" },
        { id: "B", openedAt: t("2026-01-06T11:00:00Z"), deployment: "bbbb2222" },
        { id: "C", openedAt: t("2026-01-01T00:00:00Z") },
      ],
      window,
    );
    expect(report.failures.map((f) => [f.commit, f.restoredAt])).toEqual([
      ["aaaa1111", t("2026-01-05T10:20:00Z")],
      ["bbbb2222", undefined],
    ]);
    expect(report.timeToRestore).toMatchObject({ medianSeconds: 1200, samples: 1, tier: "elite" });
    expect(report.changeFailureRate).toMatchObject({ rate: 1, tier: "low" });
    expect(report.unlinkedIncidents).toEqual(["C"]);
  });

  it("says 'no data' rather than a tier when nothing was deployed", () => {
    const report = computeDora([], [], window);
    expect(report.deploymentFrequency).toMatchObject({ deployments: 0, deployDaysPerWeek: 0, tier: "low" });
    expect(report.leadTime.tier).toBeNull();
    expect(report.changeFailureRate).toMatchObject({ rate: null, tier: null });
  });

  it("reads tiers from the preset's data at the boundaries", () => {
    const days = (n: number): Deployment[] => Array.from({ length: n }, (_, i) => dep(`c${i}`, `2026-01-${String(5 + i).padStart(2, "0")}T10:00:00Z`));
    expect(computeDora(days(6), [], window).deploymentFrequency.tier).toBe("elite"); // 3 days/week
    expect(computeDora(days(2), [], window).deploymentFrequency.tier).toBe("high"); // 1 day/week
    expect(computeDora(days(1), [], window).deploymentFrequency.tier).toBe("medium"); // 0.5 days/week
    const lead = (hours: number) => computeDora([dep("x", "2026-01-10T00:00:00Z", { sourceTime: t("2026-01-10T00:00:00Z") - hours * 3_600_000 })], [], window).leadTime.tier;
    expect([lead(24), lead(25), lead(24 * 7), lead(24 * 31)]).toEqual(["elite", "high", "high", "low"]);
    expect(DORA_2024.changeFailureRate.map((r) => r.tier)).toEqual(["elite", "high", "medium", "low"]);
  });

  it("medians of even and odd counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe("rework rate", () => {
  it("counts deployments while a failure of their service is open (never restored: open to the end), not other services'", () => {
    const report = computeDora(
      [
        dep("a1", "2026-01-06T10:00:00Z"),
        dep("a2", "2026-01-07T10:00:00Z"),
        dep("b1", "2026-01-08T10:00:00Z", { service: "campaign-service" }),
        dep("a3", "2026-01-12T10:00:00Z"),
      ],
      [{ id: "I", openedAt: t("2026-01-06T11:00:00Z"), deployment: "a1" }],
      window,
    );
    expect(report.rework.map((r) => r.commit)).toEqual(["a2", "a3"]);
    expect(report.reworkRate).toMatchObject({ numerator: 2, denominator: 4 });
  });

  it("a failure before the window still makes the window's first fix rework", () => {
    const report = computeDora([dep("a0", "2026-01-04T22:00:00Z", { rolledBackAt: t("2026-01-04T23:00:00Z") }), dep("a1", "2026-01-05T08:00:00Z")], [], window);
    expect(report.reworkRate).toMatchObject({ numerator: 1, denominator: 1 });
    expect(report.changeFailureRate).toMatchObject({ numerator: 0, denominator: 1 });
  });
});

describe("inputs", () => {
  it("parses --since durations and dates", () => {
    const now = new Date("2026-03-30T00:00:00Z");
    expect(parseSince("90d", now).toISOString()).toBe("2025-12-30T00:00:00.000Z");
    expect(parseSince("2w", now).toISOString()).toBe("2026-03-16T00:00:00.000Z");
    expect(parseSince("2026-01-01", now).toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(() => parseSince("soon", now)).toThrow(/--since "soon"/);
  });

  it("validates incidents files", () => {
    expect(parseIncidents('[{"id": 7, "openedAt": "2026-01-01T00:00:00Z", "resolvedAt": null}]', "i.json")).toEqual([{ id: "7", openedAt: t("2026-01-01T00:00:00Z") }]);
    expect(() => parseIncidents("{", "i.json")).toThrow(/i.json is not valid JSON/);
    expect(() => parseIncidents('[{"id": "a", "openedAt": "2026-01-02T00:00:00Z", "resolvedAt": "2026-01-01T00:00:00Z"}]', "i.json")).toThrow(/resolved before it opened/);
    expect(() => parseIncidents('[{"id": "a", "openedAt": "2026-01-02T00:00:00Z", "deployment": "main"}]', "i.json")).toThrow(/deploy commit SHA/);
  });
});
