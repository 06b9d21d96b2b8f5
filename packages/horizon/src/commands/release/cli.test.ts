import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createManifestsRepo, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { main } from "../../cli.js";

let dir = "";
let out = "";
let err = "";
beforeAll(async () => {
  useTestGitEnv();
  dir = await createManifestsRepo("plain");
});
afterAll(() => removeAll(dir));
afterEach(() => vi.restoreAllMocks());

async function horizon(...args: string[]): Promise<number> {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  const code = await main(["node", "horizon", ...args]);
  vi.restoreAllMocks();
  return code;
}

describe("horizon release, dora, compliance through the CLI", () => {
  it.each([["release", "set-image"], ["release", "promote"], ["release", "rollback"], ["release", "unhold"], ["release", "history"], ["release", "sync"], ["release", "policy"], ["release", "freeze"], ["release", "unfreeze"], ["dora"], ["compliance"]])(
    "%s %s --help",
    async (...command) => {
      expect(await horizon(...command.filter(Boolean), "--help")).toBe(0);
      expect(out).toContain("--manifests <dir>");
    },
  );

  it("set-image --json prints the outcome; bad input exits 2 and names it", async () => {
    const image = "ghcr.io/blessed-horizon/campaign-service:sha-7777777";
    expect(await horizon("release", "set-image", "--manifests", dir, "--env", "staging", "--service", "campaign-service", "--image", image, "--json")).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ status: "committed", release: { action: "deploy", environment: "staging", services: [{ service: "campaign-service", image }] } });
    expect(await run(dir, "log", "-1", "--format=%(trailers:key=Horizon-Service,valueonly)")).toBe(`campaign-service ${image}`);

    expect(await horizon("release", "set-image", "--manifests", dir, "--env", "qa", "--service", "campaign-service", "--image", image)).toBe(2);
    expect(err).toMatch(/^horizon: unknown environment "qa"/);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
    expect(await horizon("release", "set-image", "--manifests", dir, "--env", "staging")).toBe(2);
    expect(err).toMatch(/required option/);
  });

  // Staging's deployments: the fixture's initial commit (both services, unmanaged) and set-image's.
  it("dora counts in words that agree with the number: '3 deployments on 1 day'", async () => {
    expect(await horizon("dora", "--manifests", dir, "--env", "staging", "--since", "30d")).toBe(0);
    expect(out).toContain("(3 deployments on 1 day in ");
  });

  it("history --service that no environment has exits 2 and names the known ones, as --env does", async () => {
    expect(await horizon("release", "history", "--manifests", dir, "--service", "nope")).toBe(2);
    expect(err).toContain('unknown service "nope"');
    expect(err).toContain("campaign-service");
    expect(await horizon("release", "history", "--manifests", dir, "--env", "qa")).toBe(2);
  });

  it("dora --json and compliance run on the same repository", async () => {
    expect(await horizon("dora", "--manifests", dir, "--env", "staging", "--since", "30d", "--json")).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ environment: "staging", deploymentFrequency: { deployments: 3 } });
    expect(await horizon("dora", "--manifests", dir, "--env", "staging", "--incidents", "/nonexistent/incidents.json")).toBe(2);
    expect(err).toMatch(/cannot read incidents file \/nonexistent\/incidents.json/);
    const month = new Date().toISOString().slice(0, 7);
    expect(await horizon("compliance", "--manifests", dir, "--month", month)).toBe(0);
    expect(out).toContain(`Compliance report ${month}`);
    expect(out).toContain("unsigned release commits (1)");
    expect(out).toContain("changes made without horizon (6):");
  });
});
