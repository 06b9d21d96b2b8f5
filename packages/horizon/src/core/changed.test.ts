import { describe, expect, it } from "vitest";
import { affectedServices, classifyPath, type Workspace } from "./changed.js";

const workspaces: Workspace[] = [
  { name: "@x/a", dir: "packages/a", dependsOn: [] },
  { name: "@x/b", dir: "packages/b", dependsOn: ["@x/a"] },
  { name: "@x/s1", dir: "services/s1", dependsOn: ["@x/b"] },
  { name: "@x/s2", dir: "services/s2", dependsOn: [] },
  // A dependency cycle must not loop forever.
  { name: "@x/c1", dir: "packages/c1", dependsOn: ["@x/c2"] },
  { name: "@x/c2", dir: "packages/c2", dependsOn: ["@x/c1"] },
];

describe("affectedServices", () => {
  it.each([
    [["packages/a/src/x.ts"], ["s1"]],
    [["services/s2/src/app.ts", "services/s2/README.md"], ["s2"]],
    [["tsconfig.base.json"], ["s1", "s2"]],
    [[".github/workflows/ci.yml"], ["s1", "s2"]],
    [["eslint.config.js"], ["s1", "s2"]],
    [["vitest.shared.ts"], ["s1", "s2"]],
    [[".nvmrc"], ["s1", "s2"]],
    [["docs/runbooks/rollback.md", "README.md", "deploy/environments/production/kustomization.yaml"], []],
    [["packages/c1/src/x.ts"], []],
    [["services/removed/src/x.ts"], []],
    [[], []],
  ])("%j affects %j", (files, expected) => {
    expect(affectedServices(files, workspaces)).toEqual(expected);
  });

  it("classifies a nested path by the deepest workspace", () => {
    const nested = [...workspaces, { name: "@x/inner", dir: "packages/a/inner", dependsOn: [] }];
    expect(classifyPath("packages/a/inner/x.ts", nested)).toMatchObject({ kind: "workspace", workspace: { name: "@x/inner" } });
  });
});
