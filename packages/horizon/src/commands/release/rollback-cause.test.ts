import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createManifestsRepo, rejection, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { main } from "../../cli.js";
import { ExitCode } from "../../errors.js";
import { runDora } from "../dora/index.js";
import { runHistory } from "./history.js";
import { runRollback } from "./rollback.js";
import { runSetImage } from "./set-image.js";
import type { CommandContext } from "../cli-support.js";

// Issue 12 case 5: the automated rollback after Flagger failed a canary is
// recorded as such (CONTRACTS.md: `Horizon-Cause: canary-failed | manual |
// incident <id>`), shown by history and counted by dora as a failed deployment.

const repos: string[] = [];
let output = "";
const context: CommandContext = { cwd: "/", write: (t) => void (output += t), now: () => new Date() };
const bad = "ghcr.io/blessed-horizon/payment-service:sha-badbad1";

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));

/** A manifests repo where production's payment-service was just deployed with a bad image. */
async function deployed(): Promise<string> {
  const dir = await createManifestsRepo("kustomize");
  repos.push(dir);
  await runSetImage({ manifests: dir, env: "production", service: "payment-service", image: bad, sourceSha: "badbad1", sourceTime: new Date().toISOString() }, context);
  return dir;
}

const trailer = async (dir: string): Promise<string> => run(dir, "log", "-1", "--format=%(trailers:key=Horizon-Cause,valueonly)");

describe("release rollback --cause", () => {
  it("records canary-failed; history shows it and dora counts the deployment as failed", async () => {
    const dir = await deployed();
    const deployCommit = await run(dir, "rev-parse", "HEAD");
    const rolled = await runRollback({ manifests: dir, env: "production", service: "payment-service", cause: "canary-failed" }, context);
    expect(rolled.status).toBe("committed");
    expect(await trailer(dir)).toBe("canary-failed");

    output = "";
    const entries = await runHistory({ manifests: dir, env: "production", service: "payment-service" }, context);
    expect(entries[0]).toMatchObject({ action: "rollback", cause: "canary-failed" });
    expect(output.split("\n")[0]).toContain("cause: canary-failed");
    output = "";
    await runHistory({ manifests: dir, env: "production", service: "payment-service", json: true }, context);
    expect((JSON.parse(output) as Array<{ cause: string | null }>)[0]?.cause).toBe("canary-failed");

    const report = await runDora({ manifests: dir, env: "production", since: "7d", json: true }, context);
    // The fixture's initial commit is two unmanaged deployments; the bad one is the failure.
    expect(report.changeFailureRate).toMatchObject({ failed: 1, deployments: 3 });
    expect(report.failures).toEqual([expect.objectContaining({ commit: deployCommit, service: "payment-service" })]);
  });

  it("defaults to manual, and takes an incident id", async () => {
    const dir = await deployed();
    await runRollback({ manifests: dir, env: "production", service: "payment-service" }, context);
    expect(await trailer(dir)).toBe("manual");

    const other = await deployed();
    await runRollback({ manifests: other, env: "production", service: "payment-service", cause: "incident INC-2041" }, context);
    expect(await trailer(other)).toBe("incident INC-2041");
  });

  it.each([
    ["canary_failed"],
    [""],
    ["incident"],
    ["incident INC 1"],
    // A trailer is one line: a newline would forge another trailer.
    ["manual\nHorizon-Action: deploy"],
  ])("refuses --cause %j with exit 2 naming it, committing nothing", async (cause) => {
    const dir = await deployed();
    const head = await run(dir, "rev-parse", "HEAD");
    const error = await rejection(runRollback({ manifests: dir, env: "production", service: "payment-service", cause }, context));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toContain(`--cause ${JSON.stringify(cause)}`);
    expect(error.message).toContain('canary-failed, manual or "incident <id>"');
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    expect(await run(dir, "status", "--porcelain")).toBe("");
  });

  it("through the CLI (what rollback.yml runs): --cause is passed on, a bad one exits 2 naming it", async () => {
    const dir = await deployed();
    let err = "";
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      const args = ["node", "horizon", "release", "rollback", "--manifests", dir, "--env", "production", "--service", "payment-service"];
      expect(await main([...args, "--cause", "canary-failed!"])).toBe(ExitCode.Usage);
      expect(err).toContain('--cause "canary-failed!"');
      expect(await main([...args, "--cause", "canary-failed"])).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
    expect(await trailer(dir)).toBe("canary-failed");
  });
});
