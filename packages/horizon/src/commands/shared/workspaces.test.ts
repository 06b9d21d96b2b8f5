import { describe, expect, it } from "vitest";
import { workspaceMatcher } from "./workspaces.js";

// npm expands the root package.json's `workspaces` with glob (@npmcli/map-workspaces): braces, globstars and `!` exclusions.
describe("workspaceMatcher", () => {
  it("keeps * inside one folder and lets ** cross folders", () => {
    const matches = workspaceMatcher(["packages/*", "services/**"]);
    expect(["packages/kit", "services/api", "services/group/api"].filter(matches)).toEqual(["packages/kit", "services/api", "services/group/api"]);
    expect(["packages/kit/nested", "tools/x"].filter(matches)).toEqual([]);
  });

  it("reads brace lists and ./ prefixes, and leaves out what a ! pattern names", () => {
    const matches = workspaceMatcher(["./packages/{kit,contracts}/", "services/*", "!services/legacy"]);
    expect(["packages/kit", "packages/contracts", "packages/horizon", "services/api", "services/legacy"].filter(matches)).toEqual([
      "packages/kit",
      "packages/contracts",
      "services/api",
    ]);
  });
});
