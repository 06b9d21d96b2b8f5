import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it("reads single and compound durations in milliseconds", () => {
    expect(["500ms", "30s", "2m", "1.5h", "2d", "1w", "1h30m", "1h 30m", " 30 s "].map((t) => parseDuration(t))).toEqual([
      500, 30_000, 120_000, 5_400_000, 172_800_000, 604_800_000, 5_400_000, 5_400_000, 30_000,
    ]);
  });

  it("keeps the sign, so a caller can say a duration must be longer than zero", () => {
    expect(parseDuration("-5s")).toBe(-5_000);
  });

  it("is undefined for what is no duration, or for a unit the caller does not take", () => {
    expect(["", "10x", "5", "s", "1h30", "m30", "1..5h", "--5s"].map((t) => parseDuration(t))).toEqual(Array(8).fill(undefined));
    expect(parseDuration("2w", ["m", "h", "d"])).toBeUndefined();
    expect(parseDuration("2d", ["m", "h", "d"])).toBe(172_800_000);
  });
});
