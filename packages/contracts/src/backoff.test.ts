import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

// The formulas of the AWS Architecture Blog, "Exponential Backoff And Jitter" (2015).
describe("backoffDelay", () => {
  const policy = { baseMs: 100, capMs: 1_000 };

  it("doubles the step from the base with each retry, up to the cap", () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, { ...policy, jitter: "none" }))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("full jitter waits anywhere from 0 to the step", () => {
    expect(backoffDelay(3, { ...policy, jitter: "full" }, () => 0)).toBe(0);
    expect(backoffDelay(3, { ...policy, jitter: "full" }, () => 0.5)).toBe(200);
    expect(backoffDelay(3, { ...policy, jitter: "full" }, () => 0.999)).toBe(399);
  });

  it("equal jitter waits at least half the step", () => {
    expect(backoffDelay(3, { ...policy, jitter: "equal" }, () => 0)).toBe(200);
    expect(backoffDelay(3, { ...policy, jitter: "equal" }, () => 0.5)).toBe(300);
    expect(backoffDelay(3, { ...policy, jitter: "equal" }, () => 0.999)).toBe(399);
  });
});
