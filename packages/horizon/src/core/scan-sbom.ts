import type { LockedPackage } from "./scan-lockfile.js";

const HASH_ALGORITHMS: Record<string, string> = { sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

/** Package URL of an npm package (purl spec: the scope's @ is percent-encoded). */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  const path = slash > 0 ? `${encodeURIComponent(name.slice(0, slash))}/${encodeURIComponent(name.slice(slash + 1))}` : encodeURIComponent(name);
  return `pkg:npm/${path}@${encodeURIComponent(version)}`;
}

/** npm's Subresource Integrity strings (`sha512-<base64>`, space-separated) as CycloneDX hashes (hex). */
export function integrityHashes(integrity: string | undefined): { alg: string; content: string }[] {
  return (integrity ?? "")
    .split(/\s+/)
    .map((sri) => /^(sha\d+)-(.+)$/.exec(sri))
    .filter((m): m is RegExpExecArray => m !== null && m[1] !== undefined && HASH_ALGORITHMS[m[1]] !== undefined)
    .map((m) => ({ alg: HASH_ALGORITHMS[m[1]], content: Buffer.from(m[2] ?? "", "base64").toString("hex") }));
}

export interface SbomInput {
  name: string;
  version: string;
  packages: readonly (LockedPackage & { license?: string | undefined })[];
  timestamp: string;
  serialNumber: string;
}

/** A CycloneDX 1.5 JSON bill of materials: one library component per installed production package. */
export function buildSbom(input: SbomInput): object {
  const seen = new Set<string>();
  const components = [];
  for (const pkg of input.packages) {
    const purl = npmPurl(pkg.name, pkg.version);
    if (seen.has(purl)) continue; // the same version installed at two paths is one component
    seen.add(purl);
    const hashes = integrityHashes(pkg.entry.integrity);
    components.push({
      type: "library",
      "bom-ref": purl,
      name: pkg.name,
      version: pkg.version,
      purl,
      ...(pkg.license ? { licenses: [{ expression: pkg.license }] } : {}),
      ...(hashes.length > 0 ? { hashes } : {}),
      ...(pkg.entry.resolved ? { externalReferences: [{ type: "distribution", url: pkg.entry.resolved }] } : {}),
    });
  }
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: input.serialNumber,
    version: 1,
    metadata: {
      timestamp: input.timestamp,
      tools: { components: [{ type: "application", name: "horizon", group: "@blessed-horizon" }] },
      component: { type: "application", "bom-ref": input.name, name: input.name, version: input.version },
    },
    components,
  };
}
