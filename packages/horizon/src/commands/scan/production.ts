import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { Utils as PackageJsonUtils } from "@cyclonedx/cyclonedx-library/Contrib/FromNodePackageJson";
import { z } from "zod";
import { parseJsonAs } from "../../core/json.js";
import { ExternalError, InputError } from "../../errors.js";
import { runTool, toolMessage } from "../../io/process.js";
import type { Lockfile } from "./shared.js";

/** The CycloneDX version horizon writes: what CI's artifact and the README promise. */
const SPEC_VERSION = Spec.Version.v1dot5;

/** The license forms CycloneDX allows: an SPDX id, a free-text name, or an SPDX expression. */
const licenseChoiceSchema = z.union([
  z.object({ license: z.object({ id: z.string().optional(), name: z.string().optional() }).loose() }).loose(),
  z.object({ expression: z.string() }).loose(),
]);

/** What horizon reads of a component; the rest passes through as cyclonedx-npm wrote it. */
const componentSchema = z
  .object({
    name: z.string(),
    group: z.string().optional(),
    version: z.string().optional(),
    licenses: z.array(licenseChoiceSchema).optional(),
    properties: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
    hashes: z.array(z.object({ alg: z.string(), content: z.string() })).optional(),
  })
  .loose();

const bomSchema = z.object({ components: z.array(componentSchema).default([]) }).loose();
type Component = z.infer<typeof componentSchema>;

const installPath = (c: Component): string => c.properties?.find((p) => p.name === "cdx:npm:package:path")?.value ?? "";

/**
 * The lockfile's integrity as the component's hash: cyclonedx-npm records it
 * only on a `distribution` reference, and only where the lockfile also has
 * `resolved`, which npm leaves out when the registry is the default one.
 */
function withLockfileHash(component: Component, lock: Lockfile): Component {
  const integrity = lock.packages[installPath(component)]?.integrity;
  if (component.hashes?.length || !integrity) return component;
  try {
    const [alg, content] = PackageJsonUtils.parsePackageIntegrity(integrity);
    return { ...component, hashes: [{ alg, content }] };
  } catch {
    return component; // an algorithm CycloneDX has no name for
  }
}

/** One installed production package, as the SBOM describes it. */
interface ProductionPackage {
  name: string;
  version: string;
  /** Its folder from the root, `node_modules/a/node_modules/b` (cyclonedx-npm's `cdx:npm:package:path`). */
  path: string;
  /** One SPDX expression, as package.json declares it; undefined when it declares none. */
  license: string | undefined;
  /** A workspace of this repository (a link in the lockfile), not a dependency. */
  workspace: boolean;
}

function licenseOf(choices: readonly z.infer<typeof licenseChoiceSchema>[]): string | undefined {
  const names = choices.map((c) => ("expression" in c ? c.expression : (c.license.id ?? c.license.name))).filter((n): n is string => Boolean(n));
  // package.json's deprecated `licenses: [a, b]` means either of them.
  return names.length > 1 ? `(${names.join(" OR ")})` : names[0];
}

const cycloneDxNpm = (): string => join(dirname(createRequire(import.meta.url).resolve("@cyclonedx/cyclonedx-npm")), "bin", "cyclonedx-npm-cli.js");

/**
 * The CycloneDX JSON SBOM of what `npm ci --omit=dev -w <workspace>` installs,
 * from cyclonedx-npm (npm's own tree, `npm ls --omit dev`), checked against
 * the CycloneDX schema, and the packages it lists. Needs node_modules.
 */
export async function productionBom(root: string, lock: Lockfile, workspaces: readonly string[]): Promise<{ json: string; packages: ProductionPackage[] }> {
  const known = Object.keys(lock.packages).filter((p) => p && !p.includes("node_modules"));
  const unknown = workspaces.filter((w) => !known.includes(w));
  if (unknown.length > 0) throw new InputError(`workspace ${unknown.join(", ")} is not in package-lock.json (known: ${known.join(", ")})`);
  const args = [cycloneDxNpm(), "--omit", "dev", "--flatten-components", "--spec-version", SPEC_VERSION, "--output-format", "JSON", "--mc-type", "application", "--no-validate", ...workspaces.flatMap((w) => ["--workspace", w])];
  const result = await runTool(process.execPath, args, root);
  if (result.exitCode !== 0) throw new ExternalError(`cyclonedx-npm could not list the production dependencies (exit ${result.exitCode}; run npm ci first): ${toolMessage(result.stderr)}`);
  const parsed = parseJsonAs(bomSchema, result.stdout);
  if ("invalid" in parsed) throw new ExternalError(`cyclonedx-npm printed no CycloneDX SBOM: ${parsed.invalid}`);
  const bom = { ...parsed.data, components: parsed.data.components.map((c) => withLockfileHash(c, lock)) };
  const json = `${JSON.stringify(bom, null, 2)}\n`;
  const invalid: unknown = await new Validation.JsonStrictValidator(SPEC_VERSION).validate(json);
  if (invalid !== null) throw new ExternalError(`the SBOM is not what the CycloneDX ${SPEC_VERSION} schema allows: ${JSON.stringify(invalid).slice(0, 300)}`);
  const packages = bom.components.map((c) => {
    const path = installPath(c);
    return { name: c.group ? `${c.group}/${c.name}` : c.name, version: c.version ?? "0.0.0", path, license: licenseOf(c.licenses ?? []), workspace: lock.packages[path]?.link === true };
  });
  return { json, packages };
}
