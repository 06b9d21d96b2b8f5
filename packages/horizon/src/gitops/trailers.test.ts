import { describe, expect, it } from "vitest";
import { formatReleaseMessage, parseReleaseTrailers } from "./trailers.js";
import type { ReleaseTrailers } from "./trailers.js";

/** The trailers of a message as `git log --format=%(trailers:only,unfold)` gives them: `Key: value` lines after the last blank line. */
function trailersOf(message: string): Array<[string, string]> {
  const block = message.trimEnd().split("\n\n").at(-1) ?? "";
  return block.split("\n").map((line): [string, string] => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]);
}

describe("parseReleaseTrailers", () => {
  it("reads back what formatReleaseMessage wrote, per service", () => {
    const release: ReleaseTrailers = {
      action: "promote",
      environment: "production",
      promotedFrom: "staging",
      services: [
        { service: "a", image: "r.io/bh/a:2", previousImage: "r.io/bh/a:1", sourceCommit: "abc1234", sourceTime: "2026-11-25T10:00:00Z" },
        { service: "b", image: "r.io/bh/b:9" },
      ],
      rollsBack: [],
      cause: "manual",
    };
    expect(parseReleaseTrailers(trailersOf(formatReleaseMessage("promote", [], release)))).toEqual(release);
  });

  it("takes keys in any case, the first value of a single trailer and the last of a repeated per-service one", () => {
    const parsed = parseReleaseTrailers([
      ["horizon-action", "deploy"],
      ["HORIZON-ENVIRONMENT", "staging"],
      ["Horizon-Environment", "production"],
      ["Horizon-Service", "a r.io/bh/a:2"],
      ["Horizon-Source-Commit", "a 1111111"],
      ["horizon-source-commit", "a 2222222"],
      ["Horizon-Source-Commit", "b 3333333"],
    ]);
    expect(parsed).toMatchObject({ action: "deploy", environment: "staging", services: [{ service: "a", image: "r.io/bh/a:2", sourceCommit: "2222222" }] });
  });

  it("is no release record without a known action or an environment", () => {
    expect(parseReleaseTrailers([["Horizon-Environment", "staging"]])).toBeUndefined();
    expect(parseReleaseTrailers([["Horizon-Action", "launch"], ["Horizon-Environment", "staging"]])).toBeUndefined();
    expect(parseReleaseTrailers([["Horizon-Action", "deploy"]])).toBeUndefined();
  });
});
