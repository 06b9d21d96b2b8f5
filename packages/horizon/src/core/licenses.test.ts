import { describe, expect, it } from "vitest";
import { DEFAULT_ALLOWED_LICENSES } from "./license-policy.js";
import { declaredLicense, evaluateLicense } from "./licenses.js";
import { productionClosure } from "./scan-lockfile.js";
import type { Lockfile } from "./scan-lockfile.js";
import { buildSbom, integrityHashes, npmPurl } from "./scan-sbom.js";

describe("evaluateLicense", () => {
  const allow = DEFAULT_ALLOWED_LICENSES;
  it("evaluates SPDX expressions: one side of OR is enough, AND needs both", () => {
    expect(evaluateLicense("MIT", allow)).toEqual({ allowed: true });
    expect(evaluateLicense("(MIT OR GPL-3.0-only)", allow)).toEqual({ allowed: true });
    expect(evaluateLicense("(MIT AND Zlib)", allow).allowed).toBe(false);
    expect(evaluateLicense("(MIT AND Apache-2.0)", allow)).toEqual({ allowed: true });
    expect(evaluateLicense("GPL-3.0-only", allow)).toEqual({
      allowed: false,
      reason: `is licensed GPL-3.0-only, which the allow-list (${allow.join(", ")}) does not satisfy`,
    });
  });
  it("rejects what is not a license: nothing, UNLICENSED, free text", () => {
    expect(evaluateLicense(undefined, allow)).toEqual({ allowed: false, reason: "declares no license" });
    expect(evaluateLicense("UNLICENSED", allow)).toEqual({ allowed: false, reason: "is UNLICENSED (proprietary)" });
    expect(evaluateLicense("SEE LICENSE IN LICENSE.txt", allow)).toEqual({ allowed: false, reason: 'declares "SEE LICENSE IN LICENSE.txt", which is not an SPDX expression' });
  });
  it("reads the deprecated license forms of package.json", () => {
    expect(declaredLicense({ license: { type: "MIT" } })).toBe("MIT");
    expect(declaredLicense({ licenses: [{ type: "MIT" }, { type: "Apache-2.0" }] })).toBe("(MIT OR Apache-2.0)");
    expect(declaredLicense({})).toBeUndefined();
  });
});

/** A workspace that links to a package, nested and hoisted dependencies, dev-only tools. */
const LOCK: Lockfile = {
  lockfileVersion: 3,
  packages: {
    "": { version: "1.0.0", devDependencies: {} } as never,
    "services/api": { version: "1.0.0", dependencies: { "@acme/kit": "*", fastify: "^5" } },
    "packages/kit": { version: "1.0.0", dependencies: { pino: "^9" }, peerDependencies: { ghost: "*" }, peerDependenciesMeta: { ghost: { optional: true } } },
    "node_modules/@acme/kit": { resolved: "packages/kit", link: true },
    "node_modules/fastify": { version: "5.1.0", license: "MIT", integrity: "sha512-AAEC", dependencies: { "semver": "^7" } },
    "node_modules/fastify/node_modules/semver": { version: "7.6.0", license: "ISC" },
    "node_modules/semver": { version: "6.3.1", license: "ISC", dev: true },
    "node_modules/pino": { version: "9.0.0", license: "MIT" },
    "node_modules/vitest": { version: "4.0.0", license: "MIT", dev: true },
  },
};

describe("productionClosure", () => {
  it("follows workspace links and Node's resolution, never devDependencies", () => {
    const found = productionClosure(LOCK, ["services/api"]).map((p) => `${p.name}@${p.version}`);
    expect(found).toEqual(["fastify@5.1.0", "semver@7.6.0", "pino@9.0.0"]);
  });
  it("says which workspace or dependency the lockfile lacks", () => {
    expect(() => productionClosure(LOCK, ["services/web"])).toThrow(/workspace services\/web is not in package-lock.json/);
    const broken: Lockfile = { lockfileVersion: 3, packages: { "services/api": { dependencies: { left: "1" } } } };
    expect(() => productionClosure(broken, ["services/api"])).toThrow("services/api depends on left, which package-lock.json does not contain (run npm install)");
    expect(() => productionClosure({ lockfileVersion: 1 }, ["x"])).toThrow(/lockfileVersion 2 or later/);
  });
});

describe("CycloneDX SBOM", () => {
  it("names packages by purl and turns npm integrity into hex hashes", () => {
    expect(npmPurl("@acme/kit", "1.0.0")).toBe("pkg:npm/%40acme/kit@1.0.0");
    expect(npmPurl("fastify", "5.1.0")).toBe("pkg:npm/fastify@5.1.0");
    expect(integrityHashes("sha512-AAEC sha1-AAE= md5-xx")).toEqual([
      { alg: "SHA-512", content: "000102" },
      { alg: "SHA-1", content: "0001" },
    ]);
  });
  it("lists each production package once, with its license", () => {
    const packages = productionClosure(LOCK, ["services/api"]).map((p) => ({ ...p, license: p.entry.license }));
    const sbom = buildSbom({ name: "demo", version: "1.0.0", packages: [...packages, ...packages], timestamp: "2026-01-01T00:00:00.000Z", serialNumber: "urn:uuid:x" }) as {
      bomFormat: string;
      specVersion: string;
      components: { purl: string; licenses?: { expression: string }[] }[];
    };
    expect(sbom.bomFormat).toBe("CycloneDX");
    expect(sbom.specVersion).toBe("1.5");
    expect(sbom.components.map((c) => c.purl)).toEqual(["pkg:npm/fastify@5.1.0", "pkg:npm/semver@7.6.0", "pkg:npm/pino@9.0.0"]);
    expect(sbom.components[0]?.licenses).toEqual([{ expression: "MIT" }]);
  });
});
