import { describe, expect, it } from "vitest";
import type { Workspace } from "./changed.js";
import type { Deployment } from "./dora.js";
import { parseSourceLog, withReleaseCommits } from "./dora-source.js";

const WORKSPACES: Workspace[] = [
  { name: "@x/contracts", dir: "packages/contracts", dependsOn: [] },
  { name: "@x/payment-service", dir: "services/payment-service", dependsOn: ["@x/contracts"] },
  { name: "@x/campaign-service", dir: "services/campaign-service", dependsOn: [] },
];

/*
 * a - b - c ------- m - d      b payment, c docs, s1 contracts, s2 campaign, m the merge (no files of its own), d payment
 *  \            /
 *   s1 ---- s2
 * As `git log --format=%x1e%H %P %ct --name-only` prints it, newest first.
 */
const LOG = [
  "\x1ed m 600\n\nservices/payment-service/w.ts",
  "\x1em c s2 500\n",
  "\x1es2 s1 450\n\nservices/campaign-service/z.ts",
  "\x1es1 a 400\n\npackages/contracts/y.ts",
  "\x1ec b 300\n\ndocs/notes.md",
  "\x1eb a 200\n\nservices/payment-service/x.ts",
  "\x1ea 100\n\npackage.json",
].join("\n");

const deployment = (commit: string, service: string, deployedAt: number, sourceCommit: string): Deployment => ({ commit, service, environment: "production", deployedAt, sourceCommit });
const ids = (d: Deployment | undefined, key: "all" | "service") => d?.changes?.[key].map((c) => c.commit).sort();

describe("the commits each release brought", () => {
  const graph = parseSourceLog(LOG);
  const deployments = [
    deployment("p0", "payment-service", 150_000, "a"),
    deployment("p1", "payment-service", 1_000_000, "m"),
    deployment("k1", "campaign-service", 1_100_000, "m"),
    deployment("p2", "payment-service", 1_200_000, "d"),
    deployment("p3", "payment-service", 1_300_000, "unknown"),
  ];
  const [, p1, k1, p2, p3] = withReleaseCommits(deployments, graph, { kind: "affected", workspaces: WORKSPACES }, 500_000);

  it("reads the log: parents and committer times", () => {
    expect(graph.get("m")).toEqual({ parents: ["c", "s2"], time: 500_000, files: [] });
  });

  it("a release brings what its source commit reaches and the previous deployment's did not, merged branches included", () => {
    expect(ids(p1, "all")).toEqual(["b", "c", "m", "s1", "s2"]);
    expect(ids(p2, "all")).toEqual(["d"]);
  });

  it("keeps for the service the commits that affect its build: its folder and the packages it depends on; not docs, not another service, not a merge", () => {
    expect(ids(p1, "service")).toEqual(["b", "s1"]);
    expect(ids(p2, "service")).toEqual(["d"]);
  });

  it("a service's first deployment ever brings its source commit alone; a source commit the repository lacks brings nothing", () => {
    expect(ids(k1, "all")).toEqual(["m"]);
    expect(p3?.changes).toBeUndefined();
  });

  it("with no workspaces to tell, every commit counts for the service", () => {
    const [, q1] = withReleaseCommits(deployments, graph, { kind: "all" }, 500_000);
    expect(ids(q1, "service")).toEqual(["b", "c", "m", "s1", "s2"]);
  });
});
