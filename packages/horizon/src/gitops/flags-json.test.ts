import { describe, expect, it } from "vitest";
import { JsonSyntaxError, lineOfPointer, parseJsonTree, patchJson, setMember } from "./flags-json.js";

// Laid out as prettier and `JSON.stringify(v, null, 2)` write it, with one short array kept on one line by hand.
const FILE = `{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "donation-tips": {
      "state": "ENABLED",
      "variants": {
        "on": true,
        "off": false
      },
      "defaultVariant": "off"
    },
    "public-list-cache": {
      "variants": { "on": true, "off": false },
      "state": "ENABLED",
      "defaultVariant": "on"
    }
  }
}
`;

/** The lines that differ, as a reviewer reads a diff of the same length. */
const changedLines = (a: string, b: string): Array<[string, string]> => {
  const x = a.split("\n");
  const y = b.split("\n");
  return x.flatMap((line, i): Array<[string, string]> => (line === y[i] ? [] : [[line, y[i] ?? ""]]));
};

describe("patchJson: minimal edits of a flag file", () => {
  it("a new default variant is a one-line change; key order, layout and the final newline stay", () => {
    const after = patchJson(FILE, ["flags", "donation-tips"], { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" });
    expect(changedLines(FILE, after)).toEqual([['      "defaultVariant": "off"', '      "defaultVariant": "on"']]);
    expect(after.split("\n")).toHaveLength(FILE.split("\n").length);
  });

  it("an equal value in another key order changes nothing", () => {
    expect(patchJson(FILE, ["flags", "public-list-cache"], { defaultVariant: "on", state: "ENABLED", variants: { off: false, on: true } })).toBe(FILE);
  });

  it("a new member goes last in its siblings' layout, and removing it gives the file back byte for byte", () => {
    const rollout = { fractional: [["on", 10], ["off", 90]] };
    const added = setMember(FILE, ["flags", "donation-tips", "targeting"], rollout);
    expect(JSON.parse(added)).toMatchObject({ flags: { "donation-tips": { defaultVariant: "off", targeting: rollout } } });
    expect(added).toContain('      "defaultVariant": "off",\n      "targeting": {\n        "fractional": [\n          [\n            "on",\n            10\n          ],');
    expect(setMember(added, ["flags", "donation-tips", "targeting"], undefined)).toBe(FILE);
  });

  it("a rollout's weights change in place, item by item", () => {
    const ten = setMember(FILE, ["flags", "donation-tips", "targeting"], { fractional: [["on", 10], ["off", 90]] });
    const fifty = patchJson(ten, ["flags", "donation-tips", "targeting"], { fractional: [["on", 50], ["off", 50]] });
    expect(changedLines(ten, fifty).map(([, line]) => line.trim())).toEqual(["50", "50"]);
  });

  it("a one-line object stays on one line", () => {
    const after = patchJson(FILE, ["flags", "public-list-cache", "variants"], { on: true, off: false, auto: true });
    expect(after).toContain('"variants": { "on": true, "off": false, "auto": true },');
  });

  it("removes the first, a middle and the last member and keeps valid JSON", () => {
    for (const key of ["state", "variants", "defaultVariant"]) {
      const after = setMember(FILE, ["flags", "donation-tips", key], undefined);
      const flag = (JSON.parse(after) as { flags: Record<string, Record<string, unknown>> }).flags["donation-tips"];
      expect(Object.keys(flag ?? {})).toEqual(["state", "variants", "defaultVariant"].filter((k) => k !== key));
    }
  });
});

describe("parseJsonTree", () => {
  it("says where a file stops being JSON", () => {
    const broken = FILE.replace('"off"\n    },', '"off"\n    }');
    let error: unknown;
    try {
      parseJsonTree(broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonSyntaxError);
    expect(broken.slice(0, (error as JsonSyntaxError).offset).split("\n")).toHaveLength(12);
  });

  it("finds the line of a JSON pointer, or of its deepest part that exists", () => {
    expect(lineOfPointer(FILE, "/flags/donation-tips/defaultVariant")).toBe(10);
    expect(lineOfPointer(FILE, "/flags/public-list-cache/targeting/fractional/0")).toBe(12);
  });
});

describe("patchJson: a member new to the target", () => {
  it("goes after its predecessor in the value, so the result has the value's layout", () => {
    const withTargeting = setMember(FILE, ["flags", "donation-tips", "targeting"], { fractional: [["on", 10], ["off", 90]] });
    const source = JSON.parse(withTargeting) as { flags: Record<string, Record<string, unknown>> };
    const flag = source.flags["donation-tips"] ?? {};
    // targeting between variants and defaultVariant in the source
    const reordered = { state: flag.state, variants: flag.variants, targeting: flag.targeting, defaultVariant: flag.defaultVariant };
    const after = patchJson(FILE, ["flags", "donation-tips"], reordered);
    const keys = Object.keys((JSON.parse(after) as { flags: Record<string, object> }).flags["donation-tips"] ?? {});
    expect(keys).toEqual(["state", "variants", "targeting", "defaultVariant"]);
    expect(after).toContain('      },\n      "targeting": {\n        "fractional": [');
    expect(after).toContain('      },\n      "defaultVariant": "off"\n');
  });
});
