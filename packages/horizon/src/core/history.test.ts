import { describe, expect, it } from "vitest";
import { landings } from "../gitops/release-log.js";
import type { LoggedCommit } from "../gitops/release-log.js";
import { deploymentTargets } from "./history.js";

const layout = new Map([
  ["staging", new Set(["campaign-service", "payment-service"])],
  ["production", new Set(["campaign-service", "payment-service"])],
]);
const keys = (paths: string[]): string[] => deploymentTargets(paths, layout).map((t) => `${t.environment} ${t.service}`).sort();

describe("deploymentTargets: what a commit's files deploy", () => {
  it("a service's folder deploys that service in that environment", () => {
    expect(keys(["environments/production/payment-service/kustomization.yaml", "environments/production/payment-service/replicas.yaml"])).toEqual([
      "production payment-service",
    ]);
  });

  it("an environment's own files deploy every service of it", () => {
    expect(keys(["environments/staging/flags.flagd.json"])).toEqual(["staging campaign-service", "staging payment-service"]);
  });

  it("base/<service>/ deploys that service everywhere, other base/ files every service everywhere", () => {
    expect(keys(["base/campaign-service/deployment.yaml"])).toEqual(["production campaign-service", "staging campaign-service"]);
    expect(keys(["base/common/labels.yaml"])).toHaveLength(4);
  });

  it("files outside environments/ and base/ deploy nothing", () => {
    expect(keys(["holds.yaml", "promotion-policy.yaml", "README.md"])).toEqual([]);
  });
});

const commit = (hash: string, parents: string[]): LoggedCommit => ({
  commit: hash,
  parents,
  committedAt: "2026-03-01T00:00:00Z",
  author: "a",
  authorEmail: "a@example.com",
  signature: "N",
  subject: hash,
  trailers: [],
});

describe("landings: the first-parent commit of main that brought each commit", () => {
  it("a commit on main's line brought itself; a pull request's commits were brought by its merge", () => {
    // main: A - M1 - C - M2 (HEAD); M1 merged P1 <- P2; M2 merged Q1, whose branch also holds P2 (already merged).
    const log = [
      commit("M2", ["C", "Q1"]),
      commit("Q1", ["P2"]),
      commit("C", ["M1"]),
      commit("M1", ["A", "P2"]),
      commit("P2", ["P1"]),
      commit("P1", ["A"]),
      commit("A", []),
    ];
    const { landedBy, line } = landings(log);
    expect(Object.fromEntries([...landedBy].map(([k, v]) => [k, v.commit]))).toEqual({ M2: "M2", C: "C", M1: "M1", A: "A", P1: "M1", P2: "M1", Q1: "M2" });
    expect(line.get("A")).toBe(0);
    expect(line.get("M2")).toBe(3);
  });
});
