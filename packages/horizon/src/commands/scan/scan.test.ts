import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { horizonCli } from "../../../test/fixtures/cli.js";

const repoRoot = resolve(import.meta.dirname, "../../../../..");
// Built at run time so that this file itself holds no key for scanners to find.
const PLANTED_KEY = ["AKIA", "2OGYBAH6", "QXZ3T7MD"].join("");

const horizon = horizonCli;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "horizon-scan-"));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe("horizon scan secrets", { timeout: 120_000 }, () => {
  it("finds a planted AWS access key id, masked, and writes SARIF", async () => {
    const project = join(dir, "leaky");
    await mkdir(join(project, "src"), { recursive: true });
    await writeFile(join(project, "src", "config.ts"), `export const region = "us-east-1";\nexport const awsKey = "${PLANTED_KEY}";\n`);
    await writeFile(join(project, "README.md"), "nothing to see\n");
    const sarif = join(dir, "secrets.sarif");
    const result = await horizon("scan", "secrets", "--root", project, "--sarif", sarif);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("src/config.ts:2:24: [@secretlint/secretlint-rule-aws] found AWS Access Key ID: ********************\n");
    expect(result.stdout + result.stderr).not.toContain(PLANTED_KEY);
    const report = JSON.parse(await readFile(sarif, "utf8")) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    expect(report.version).toBe("2.1.0");
    expect(report.runs[0]?.results.map((r) => [r.ruleId, r.locations[0]?.physicalLocation.artifactLocation.uri, r.locations[0]?.physicalLocation.region.startLine])).toEqual([
      ["@secretlint/secretlint-rule-aws", "src/config.ts", 2],
    ]);
  });

  it("is clean on the repository", async () => {
    const result = await horizon("scan", "secrets", "--root", repoRoot);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/\d+ files scanned, 0 secret\(s\) found/);
    expect(result.code).toBe(0);
  });
});

describe("horizon scan licenses", { timeout: 60_000 }, () => {
  it("is clean on the services' production dependencies", async () => {
    const result = await horizon("scan", "licenses", "--root", repoRoot, "--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { packages: number; violations: unknown[]; workspaces: string[] };
    expect(report.violations).toEqual([]);
    expect(report.packages).toBeGreaterThan(20);
    expect(report.workspaces).toContain("services/payment-service");
  });

  it("lists every violation, reading package.json when the lockfile has no license", async () => {
    const project = join(dir, "licensed");
    await mkdir(join(project, "node_modules", "copyleft"), { recursive: true });
    await writeFile(join(project, "node_modules", "copyleft", "package.json"), JSON.stringify({ name: "copyleft", license: "GPL-3.0-only" }));
    const lock = {
      lockfileVersion: 3,
      packages: {
        "services/api": { dependencies: { fine: "1", copyleft: "1", secretive: "1", either: "1" } },
        "node_modules/fine": { version: "1.0.0", license: "MIT" },
        "node_modules/either": { version: "1.0.0", license: "(MIT OR GPL-2.0-only)" },
        "node_modules/copyleft": { version: "2.0.0" },
        "node_modules/secretive": { version: "0.1.0", license: "UNLICENSED" },
      },
    };
    await writeFile(join(project, "package-lock.json"), JSON.stringify(lock, null, 2));
    const result = await horizon("scan", "licenses", "--root", project);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split("\n")).toEqual([
      "copyleft@2.0.0 (node_modules/copyleft) is licensed GPL-3.0-only, which the allow-list (MIT, Apache-2.0, BSD-2-Clause, BSD-3-Clause, 0BSD, ISC, MIT-0, Unlicense, CC0-1.0, BlueOak-1.0.0) does not satisfy",
      "secretive@0.1.0 (node_modules/secretive) is UNLICENSED (proprietary)",
    ]);
    expect(result.stderr).toMatch(/4 production packages of services\/api: .*2 not allowed/);
    const allowed = await horizon("scan", "licenses", "--root", project, "--allow", "MIT,Apache-2.0", "--allow", "GPL-3.0-only");
    expect(allowed.stdout).toBe("secretive@0.1.0 (node_modules/secretive) is UNLICENSED (proprietary)\n");
    const bad = await horizon("scan", "licenses", "--root", project, "--allow", "MIT,Public Domain");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--allow: not an SPDX license id: Public Domain/);
  });

  it("exits 2 without a lockfile", async () => {
    const result = await horizon("scan", "licenses", "--root", join(dir));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/package-lock\.json: cannot read it/);
  });
});

describe("horizon scan sbom", () => {
  it("writes a CycloneDX SBOM of the services' production dependencies", async () => {
    const out = join(dir, "sbom.cdx.json");
    const result = await horizon("scan", "sbom", "--root", repoRoot, "--out", out);
    expect(result.code).toBe(0);
    const sbom = JSON.parse(await readFile(out, "utf8")) as { bomFormat: string; specVersion: string; components: { purl: string; hashes?: unknown[] }[] };
    expect(sbom.bomFormat).toBe("CycloneDX");
    expect(sbom.components.map((c) => c.purl)).toContainEqual(expect.stringMatching(/^pkg:npm\/fastify@5\./));
    expect(sbom.components.map((c) => c.purl)).not.toContainEqual(expect.stringMatching(/^pkg:npm\/vitest@/));
  });
});

describe("horizon scan deps", { timeout: 60_000 }, () => {
  /** A stand-in npm that prints what `npm audit --json` prints; the real registry may refuse audits here. */
  async function fakeNpm(stdout: string, code: number): Promise<string> {
    const bin = await mkdtemp(join(dir, "bin-"));
    await writeFile(join(bin, "npm"), `#!/bin/sh\ncat <<'JSON'\n${stdout}\nJSON\nexit ${code}\n`);
    await chmod(join(bin, "npm"), 0o755);
    return bin;
  }

  it("saves npm audit's JSON for the gate and prints the counts", async () => {
    const audit = await readFile(join(repoRoot, "packages/horizon/test/fixtures/evidence/npm-audit-1-high.json"), "utf8");
    vi.stubEnv("PATH", `${await fakeNpm(audit.trim(), 1)}${delimiter}${process.env.PATH ?? ""}`);
    const out = join(dir, "audit.json");
    const result = await horizon("scan", "deps", "--root", repoRoot, "--out", out);
    vi.unstubAllEnvs();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^critical 0, high 1, /);
    expect(await readFile(out, "utf8")).toBe(`${audit.trim()}\n`);
  });

  it("exits 3 and says the gate has no evidence when the registry does not answer", async () => {
    vi.stubEnv("npm_config_registry", "http://127.0.0.1:9/");
    vi.stubEnv("npm_config_fetch_retries", "0");
    const result = await horizon("scan", "deps", "--root", repoRoot);
    vi.unstubAllEnvs();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/npm audit could not get advisories \(.+\); the security_vulnerabilities gate has no evidence/);
  });
});
