import { describe, expect, it } from "vitest";
import { formatFinding } from "./findings.js";
import { unpinnedActions } from "./action-pins.js";

/**
 * GitHub's security hardening guide for Actions ("Using third-party actions":
 * pinning an action to a full-length commit SHA is the only way to use it as
 * an immutable release; a tag or branch can be moved, as happened to
 * tj-actions/changed-files in 2025 and aquasecurity/trivy-action in 2026).
 */
const workflow = `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0
      - uses: actions/setup-node@v5
      - name: snyk
        uses: "snyk/actions/node@master"
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.20
      # uses: commented/out@v1
  reuse:
    uses: org/repo/.github/workflows/w.yml@main
`;

describe("actions pinned to a commit", () => {
  it("names each action used by tag or branch, at its line; a full SHA, a local action and a comment pass", () => {
    expect(unpinnedActions(".github/workflows/ci.yml", workflow).map(formatFinding)).toEqual([
      ".github/workflows/ci.yml:7: [pinning] actions/setup-node@v5: pin the action to the full commit SHA of its release (a tag or branch can be moved), e.g. actions/setup-node@<40-hex sha> # v5",
      ".github/workflows/ci.yml:9: [pinning] snyk/actions/node@master: pin the action to the full commit SHA of its release (a tag or branch can be moved), e.g. snyk/actions/node@<40-hex sha> # master",
      ".github/workflows/ci.yml:14: [pinning] org/repo/.github/workflows/w.yml@main: pin the action to the full commit SHA of its release (a tag or branch can be moved), e.g. org/repo/.github/workflows/w.yml@<40-hex sha> # main",
    ]);
  });
});
