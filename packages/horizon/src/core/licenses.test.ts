import { describe, expect, it } from "vitest";
import { DEFAULT_ALLOWED_LICENSES } from "./license-policy.js";
import { evaluateLicense } from "./licenses.js";

describe("evaluateLicense", () => {
  const allow = DEFAULT_ALLOWED_LICENSES;
  it("evaluates SPDX expressions: one side of OR is enough, AND needs both", () => {
    expect(evaluateLicense("MIT", allow)).toEqual({ allowed: true });
    expect(evaluateLicense("(MIT OR GPL-3.0-only)", allow)).toEqual({ allowed: true });
    expect(evaluateLicense("(MIT AND Zlib)", allow).allowed).toBe(false);
    expect(evaluateLicense("(MIT AND Apache-2.0)", allow)).toEqual({ allowed: true });
    expect(evaluateLicense("GPL-3.0-only", allow)).toEqual({
      allowed: false,
      reason: `is licensed GPL-3.0-only, which the allow-list (${allow.join(", ")}) does not satisfy`,
    });
  });
  it("rejects what is not a license: nothing, UNLICENSED, free text", () => {
    expect(evaluateLicense(undefined, allow)).toEqual({ allowed: false, reason: "declares no license" });
    expect(evaluateLicense("UNLICENSED", allow)).toEqual({ allowed: false, reason: "is UNLICENSED (proprietary)" });
    expect(evaluateLicense("SEE LICENSE IN LICENSE.txt", allow)).toEqual({ allowed: false, reason: 'declares "SEE LICENSE IN LICENSE.txt", which is not an SPDX expression' });
  });
});
