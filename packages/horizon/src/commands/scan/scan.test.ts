import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { horizonCli } from "../../../test/fixtures/cli.js";
import { parseSecretlintOutput } from "./secrets.js";

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

describe("secretlint's report", () => {
  it("is read through a schema: a report without locations is secretlint's failure (exit 3), not a TypeError", () => {
    expect(parseSecretlintOutput('[{"filePath":"/r/a.ts","messages":[]}]')).toEqual([{ filePath: "/r/a.ts", messages: [] }]);
    expect(() => parseSecretlintOutput('[{"filePath":"/r/a.ts","messages":[{"ruleId":"x","message":"m"}]}]')).toThrow(
      expect.objectContaining({ exitCode: 3, message: expect.stringMatching(/^secretlint's report is not what horizon reads: .*loc/) as unknown }),
    );
    expect(() => parseSecretlintOutput("Error: boom")).toThrow(/secretlint's report is not what horizon reads: not JSON/);
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

  /** An installed npm workspace project: package.json files, node_modules (the workspace linked) and a lockfile. */
  async function installedProject(name: string, deps: Record<string, { version: string; license?: string; licenses?: { type: string }[]; lockLicense?: boolean }>): Promise<string> {
    const project = join(dir, name);
    const write = async (path: string, json: unknown) => {
      await mkdir(join(project, path, ".."), { recursive: true });
      await writeFile(join(project, path), `${JSON.stringify(json, null, 2)}\n`);
    };
    const dependencies = Object.fromEntries(Object.entries(deps).map(([n, d]) => [n, d.version]));
    await write("package.json", { name, version: "1.0.0", workspaces: ["services/api"] });
    await write("services/api/package.json", { name: "api", version: "1.0.0", dependencies });
    await mkdir(join(project, "node_modules"), { recursive: true });
    await symlink("../services/api", join(project, "node_modules", "api"));
    const packages: Record<string, unknown> = { "": { name, version: "1.0.0", workspaces: ["services/api"] }, "services/api": { name: "api", version: "1.0.0", dependencies }, "node_modules/api": { resolved: "services/api", link: true } };
    for (const [n, d] of Object.entries(deps)) {
      await write(`node_modules/${n}/package.json`, { name: n, version: d.version, ...(d.license ? { license: d.license } : {}), ...(d.licenses ? { licenses: d.licenses } : {}) });
      packages[`node_modules/${n}`] = { version: d.version, ...(d.lockLicense === false || !d.license ? {} : { license: d.license }) };
    }
    await write("package-lock.json", { name, version: "1.0.0", lockfileVersion: 3, requires: true, packages });
    return project;
  }

  it("lists every violation, with the license each installed package.json declares", async () => {
    const project = await installedProject("licensed", {
      fine: { version: "1.0.0", license: "MIT" },
      either: { version: "1.0.0", license: "(MIT OR GPL-2.0-only)" },
      // an older lockfile that records no license: package.json still says it
      copyleft: { version: "2.0.0", license: "GPL-3.0-only", lockLicense: false },
      secretive: { version: "0.1.0", license: "UNLICENSED" },
      legacy: { version: "1.0.0", licenses: [{ type: "MIT" }, { type: "Apache-2.0" }] },
    });
    const result = await horizon("scan", "licenses", "--root", project);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split("\n")).toEqual([
      "copyleft@2.0.0 (node_modules/copyleft) is licensed GPL-3.0-only, which the allow-list (MIT, Apache-2.0, BSD-2-Clause, BSD-3-Clause, 0BSD, ISC, MIT-0, Unlicense, CC0-1.0, BlueOak-1.0.0) does not satisfy",
      "secretive@0.1.0 (node_modules/secretive) is UNLICENSED (proprietary)",
    ]);
    expect(result.stderr).toMatch(/5 production packages of services\/api: .*2 not allowed/);
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

describe("horizon scan sbom", { timeout: 60_000 }, () => {
  it("writes a CycloneDX 1.5 SBOM of the services' production dependencies that the CycloneDX schema accepts", async () => {
    const out = join(dir, "sbom.cdx.json");
    const result = await horizon("scan", "sbom", "--root", repoRoot, "--out", out);
    expect(result.code).toBe(0);
    const text = await readFile(out, "utf8");
    // The schema the CycloneDX project publishes, as @cyclonedx/cyclonedx-library ships it.
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot5).validate(text)).toBeNull();
    const sbom = JSON.parse(text) as { bomFormat: string; specVersion: string; components: { purl: string; hashes?: unknown[] }[] };
    expect(sbom.bomFormat).toBe("CycloneDX");
    expect(sbom.specVersion).toBe("1.5");
    const purls = sbom.components.map((c) => c.purl);
    expect(purls).toContainEqual(expect.stringMatching(/^pkg:npm\/fastify@5\./));
    // pg is the kit's production dependency and also reached from dev tools: npm sbom --omit dev drops it (npm/cli#7909)
    expect(purls).toContainEqual(expect.stringMatching(/^pkg:npm\/pg@8\./));
    expect(purls).not.toContainEqual(expect.stringMatching(/^pkg:npm\/vitest@/));
    expect(sbom.components.find((c) => c.purl.startsWith("pkg:npm/fastify@"))?.hashes).toHaveLength(1);
  });

  it("lists one workspace's production dependencies only", async () => {
    const purlsOf = async (workspace: string) => {
      const result = await horizon("scan", "sbom", "--root", repoRoot, "--workspace", workspace);
      expect(result.code).toBe(0);
      return (JSON.parse(result.stdout) as { components: { purl: string }[] }).components.map((c) => c.purl);
    };
    // nodemailer is notification-service's own dependency
    expect(await purlsOf("services/notification-service")).toContainEqual(expect.stringMatching(/^pkg:npm\/nodemailer@/));
    expect(await purlsOf("services/payment-service")).not.toContainEqual(expect.stringMatching(/^pkg:npm\/nodemailer@/));
    const unknown = await horizon("scan", "sbom", "--root", repoRoot, "--workspace", "services/nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/workspace services\/nope is not in package-lock.json/);
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

  it("refuses what npm audit printed when the gate could not read it either, instead of saving it as evidence", async () => {
    // One reading for both (evidence/audit.ts): a count that is no number was printed here and saved, and only the gate refused it.
    vi.stubEnv("PATH", `${await fakeNpm('{"metadata":{"vulnerabilities":{"info":0,"low":0,"moderate":0,"high":"lots","critical":0}}}', 1)}${delimiter}${process.env.PATH ?? ""}`);
    const out = join(dir, "odd-audit.json");
    const result = await horizon("scan", "deps", "--root", repoRoot, "--out", out);
    vi.unstubAllEnvs();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/npm audit printed no report \(exit 1; not an npm audit --json report: metadata\.vulnerabilities\.high: /);
    await expect(readFile(out, "utf8")).rejects.toThrow(/ENOENT/);
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
