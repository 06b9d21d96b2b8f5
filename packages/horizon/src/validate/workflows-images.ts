import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { SERVICE_BUILD_ARG } from "../core/service-image.js";
import { parseDockerfile } from "./dockerfile.js";
import { takesServiceArg } from "./dockerfile-service.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { parseYamlWithLines } from "./yaml-locate.js";

const BUILD_ACTION = "docker/build-push-action@";

/** One job's matrix combination; a key whose values are known only at run time (`fromJSON(...)`) maps to undefined. */
type Combination = Record<string, string | undefined>;

const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const scalar = (value: unknown): string | undefined => (typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : undefined);

/**
 * The combinations GitHub runs for `strategy.matrix`, as its documentation
 * ("Using a matrix for your jobs") describes: the product of the lists, less
 * `exclude`; then each `include` entry added to every combination whose
 * original values it does not overwrite, or run as a combination of its own.
 */
export function matrixCombinations(matrix: unknown): Combination[] {
  const m = record(matrix);
  const entries = (key: string): Combination[] =>
    (Array.isArray(m[key]) ? (m[key] as unknown[]) : []).map((e) => Object.fromEntries(Object.entries(record(e)).map(([k, v]) => [k, scalar(v)])));
  const keys = Object.keys(m).filter((k) => k !== "include" && k !== "exclude");
  let originals: Combination[] = [{}];
  for (const key of keys) {
    const values = m[key];
    const known = Array.isArray(values) ? values.map(scalar) : [undefined];
    originals = originals.flatMap((c) => known.map((v) => ({ ...c, [key]: v })));
  }
  if (keys.length === 0) return entries("include").length > 0 ? entries("include") : [{}];
  const matchesAll = (c: Combination, entry: Combination) => Object.entries(entry).every(([k, v]) => c[k] === v);
  originals = originals.filter((c) => !entries("exclude").some((e) => matchesAll(c, e)));
  const combos = originals.map((c) => ({ ...c }));
  for (const entry of entries("include")) {
    const fits = originals.map((o) => Object.entries(entry).every(([k, v]) => !(k in o) || o[k] === v));
    fits.forEach((fit, i) => fit && Object.assign(combos[i] ?? {}, entry));
    if (!fits.includes(true)) combos.push({ ...entry });
  }
  return combos;
}

/** `${{ matrix.x }}` replaced from the combination; undefined while any expression is left (known only at run time). */
function resolve(text: string, combo: Combination): string | undefined {
  let unknown = false;
  const out = text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    const key = /^matrix\.([\w-]+)$/.exec(expr)?.[1];
    const value = key === undefined ? undefined : combo[key];
    if (value === undefined) unknown = true;
    return value ?? "";
  });
  return unknown ? undefined : out;
}

/** `build-args` (one NAME=value a line) as a map of the raw, unresolved values. */
const buildArgs = (text: string): Map<string, string> =>
  new Map(
    text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]),
  );

/**
 * Every docker/build-push-action step of a workflow, for each matrix
 * combination: it names a Dockerfile that exists (statically, or from the
 * matrix), and where that Dockerfile takes SERVICE (the one service
 * Dockerfile), build-args set SERVICE to a service workspace; a job whose
 * matrix lists the services builds them all.
 */
export function checkImageBuilds(root: string, file: string, source: string, services: readonly string[]): Finding[] {
  const takesService = new Map<string, boolean>();
  const serviceDockerfile = (path: string): boolean => {
    const takes = takesService.get(path) ?? takesServiceArg(parseDockerfile(readFileSync(join(root, path), "utf8")));
    takesService.set(path, takes);
    return takes;
  };
  const findings: Finding[] = [];
  for (const doc of parseYamlWithLines(source).documents) {
    for (const [jobId, job] of Object.entries(record(record(doc.value).jobs))) {
      const steps = record(job).steps;
      const combos = matrixCombinations(record(record(job).strategy).matrix);
      (Array.isArray(steps) ? steps : []).forEach((step, index) => {
        if (!(scalar(record(step).uses) ?? "").startsWith(BUILD_ACTION)) return;
        const at = (key: string) => doc.lineOf(["jobs", jobId, "steps", index, "with", key]);
        const add = (key: string, message: string) => void findings.push(finding(file, at(key), "image-build", message));
        const built = checkBuildStep(record(record(step).with), combos, { root, services, serviceDockerfile, add });
        const missing = services.filter((name) => !built?.has(name));
        if (built && built.size > 0 && missing.length > 0) {
          findings.push(finding(file, doc.lineOf(["jobs", jobId, "strategy", "matrix"]), "image-build", `job ${jobId} builds service images but not ${missing.join(", ")}`));
        }
      });
    }
  }
  return findings;
}

interface StepContext {
  root: string;
  services: readonly string[];
  serviceDockerfile: (path: string) => boolean;
  add: (input: string, message: string) => void;
}

/**
 * One build-push-action step over the job's matrix: the first problem it
 * has, and the services it builds; undefined for the services when they are
 * known only at run time (horizon plan's list) or the step is wrong.
 */
function checkBuildStep(inputs: Record<string, unknown>, combos: readonly Combination[], ctx: StepContext): Set<string> | undefined {
  const rawFile = scalar(inputs.file) ?? posix.join(scalar(inputs.context) ?? ".", "Dockerfile");
  const rawService = buildArgs(scalar(inputs["build-args"]) ?? "").get(SERVICE_BUILD_ARG);
  const built = new Set<string>();
  let allKnown = true;
  for (const combo of combos) {
    const dockerfile = resolve(rawFile, combo);
    if (dockerfile === undefined) return void ctx.add("file", `cannot tell which Dockerfile ${rawFile} is: name it, or take it from the matrix`);
    if (!existsSync(join(ctx.root, dockerfile))) {
      return void ctx.add("file", `${dockerfile} does not exist (every service is built from one Dockerfile with --build-arg ${SERVICE_BUILD_ARG}=<service>)`);
    }
    if (!ctx.serviceDockerfile(dockerfile)) continue;
    if (rawService === undefined) return void ctx.add("build-args", `builds ${dockerfile} without ${SERVICE_BUILD_ARG}: add ${SERVICE_BUILD_ARG}=<a folder under services/> to build-args`);
    const service = resolve(rawService, combo);
    if (service === undefined) allKnown = false;
    else if (ctx.services.includes(service)) built.add(service);
    else ctx.add("build-args", `${SERVICE_BUILD_ARG}=${service} is not a service workspace (no services/${service}/package.json)`);
  }
  return allKnown ? built : undefined;
}
