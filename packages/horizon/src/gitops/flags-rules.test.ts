import { describe, expect, it } from "vitest";
import { checkFlagText } from "./flags-rules.js";

const file = (flag: Record<string, unknown>): string =>
  `${JSON.stringify({ $schema: "https://flagd.dev/schema/v0/flags.json", flags: { "donation-tips": { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off", ...flag } } }, null, 2)}\n`;
const problems = (text: string): Array<[string, string]> => checkFlagText(text).map((p) => [p.pointer, p.message]);

describe("checkFlagText: flagd-core's parser and the rules of flagd's schema", () => {
  it("passes a flag, a rollout and a targeting rule flagd loads", () => {
    expect(problems(file({}))).toEqual([]);
    expect(problems(file({ targeting: { fractional: [["on", 10], ["off", 90]] } }))).toEqual([]);
    // open-feature/flagd docs/reference/custom-operations/fractional-operation.md: a bucketing expression first.
    expect(problems(file({ targeting: { fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: "donorId" }] }, ["on", 50], ["off", 50]] } }))).toEqual([]);
    expect(problems(file({ targeting: { if: [{ in: [{ var: "campaignId" }, ["c-1"]] }, "on", null] } }))).toEqual([]);
  });

  it("a defaultVariant that is no variant (flagd-core refuses the whole file)", () => {
    expect(problems(file({ defaultVariant: "maybe" }))).toEqual([["/flags/donation-tips/defaultVariant", 'flag donation-tips: defaultVariant "maybe" is not one of its variants (variants: on, off)']]);
  });

  it("bad fractional weights: negative, fractional, summing to 0 or beyond flagd's maximum", () => {
    expect(problems(file({ targeting: { fractional: [["on", -5], ["off", 105]] } }))).toEqual([
      ["/flags/donation-tips/targeting/fractional/0/1", "flag donation-tips: fractional weight -5 is not a non-negative integer"],
    ]);
    expect(problems(file({ targeting: { fractional: [["on", 12.5], ["off", 87.5]] } })).map(([p]) => p)).toEqual([
      "/flags/donation-tips/targeting/fractional/0/1",
      "/flags/donation-tips/targeting/fractional/1/1",
    ]);
    expect(problems(file({ targeting: { fractional: [["on", 0], ["off", 0]] } }))).toEqual([
      ["/flags/donation-tips/targeting/fractional", "flag donation-tips: the fractional weights sum to 0, so no bucket is ever chosen"],
    ]);
    // flagd-core accepts this file and then serves the default to everyone (its fractional returns null).
    expect(problems(file({ targeting: { fractional: [["on", 2_147_483_647], ["off", 1]] } }))).toEqual([
      ["/flags/donation-tips/targeting/fractional", "flag donation-tips: the fractional weights sum to 2147483648, more than flagd's maximum 2147483647"],
    ]);
  });

  it("a fractional bucket naming no variant (flagd-core loads it and fails each evaluation that lands there)", () => {
    expect(problems(file({ targeting: { fractional: [["onn", 10], ["off", 90]] } }))).toEqual([
      ["/flags/donation-tips/targeting/fractional/0/0", 'flag donation-tips: fractional bucket "onn" is not one of its variants (variants: on, off)'],
    ]);
  });

  it("what flagd's schema refuses, at the deepest pointer ajv reports", () => {
    // open-feature/flagd-schemas json/test/flags/negative/mixed-variant-types.ffconfig.json and state-set-incorrectly.json (741a7f8).
    expect(problems(file({ variants: { on: true, off: "no" } }))).toEqual([["/flags/donation-tips/variants/off", "flagd schema: must be boolean"]]);
    expect(problems(file({ state: "ON" }))).toEqual([["/flags/donation-tips/state", 'flagd schema: must be equal to one of the allowed values ("ENABLED", "DISABLED")']]);
    expect(problems(file({ targeting: { "not-a-real-rule": [] } }))).toEqual([["/flags/donation-tips/targeting", "flagd schema: must NOT have additional properties (not-a-real-rule)"]]);
    expect(problems('{"flag": {}}\n')).toEqual([["", "flagd schema: must have required property 'flags'"]]);
  });

  it("not JSON, or a key given twice, at its line", () => {
    const broken = file({}).replace('"off": false\n', '"off": false,\n');
    // The parser stops at the "}" after the trailing comma, on line 9.
    expect(checkFlagText(broken)).toEqual([{ pointer: "", line: 9, message: expect.stringContaining("not JSON") as unknown }]);
    const twice = file({}).replace('"defaultVariant": "off"', '"defaultVariant": "off",\n      "defaultVariant": "on"');
    expect(checkFlagText(twice)).toEqual([{ pointer: "/flags/donation-tips/defaultVariant", line: 11, message: 'key "defaultVariant" appears twice' }]);
  });
});
