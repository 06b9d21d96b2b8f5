import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { formatFinding } from "./findings.js";
import { validateRepository } from "./index.js";
import { findExecutable, runTool } from "../io/process.js";

// Flagger's blue/green mode and traffic mirroring, as fluxcd/flagger v1.44.0 decides them:
// pkg/apis/flagger/v1beta1/canary.go (GetAnalysis, DeploymentStrategy, CanaryAnalysis' int fields),
// pkg/controller/scheduler.go (runBlueGreen, runCanary, runAB) and pkg/router/istio.go (SetRoutes: mirror, mirrorPercentage).
const repoRoot = resolve(import.meta.dirname, "../../../..");
const kubectl = await findExecutable("kubectl");

/** A JSON 6902 patch on one environment's Canary, added to that overlay's patches (as production's blue/green is). */
interface Patch {
  env: string;
  service: string;
  annotation?: string;
  provider?: string;
  /** analysis fields to set; null removes one. */
  analysis: Record<string, unknown>;
}

function patchText(p: Patch): string {
  const ops: unknown[] = [];
  if (p.annotation !== undefined) ops.push({ op: "add", path: "/metadata/annotations/blessedhorizon.org~1side-effects", value: p.annotation });
  if (p.provider !== undefined) ops.push({ op: "replace", path: "/spec/provider", value: p.provider });
  for (const [field, value] of Object.entries(p.analysis)) ops.push(value === null ? { op: "remove", path: `/spec/analysis/${field}` } : { op: "add", path: `/spec/analysis/${field}`, value });
  return JSON.stringify(ops, null, 2);
}

async function copyWith(patches: readonly Patch[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-bluegreen-"));
  await cp(join(repoRoot, "deploy"), join(dir, "deploy"), { recursive: true });
  for (const [i, p] of patches.entries()) {
    const overlay = join(dir, "deploy/environments", p.env, p.service);
    await writeFile(join(overlay, `test-patch-${i}.yaml`), patchText(p));
    const kustomization = await readFile(join(overlay, "kustomization.yaml"), "utf8");
    if (!kustomization.includes("\npatches:\n")) throw new Error(`test setup: no patches: in ${p.env}/${p.service}`);
    await writeFile(join(overlay, "kustomization.yaml"), kustomization.replace("\npatches:\n", `\npatches:\n  - path: test-patch-${i}.yaml\n    target: {kind: Canary, name: ${p.service}}\n`));
  }
  return dir;
}

async function flaggerFindings(patches: readonly Patch[]): Promise<{ flagger: string[]; schema: string[] }> {
  const dir = await copyWith(patches);
  try {
    const lines = (await validateRepository(dir, { kubectl })).findings.map(formatFinding);
    return { flagger: lines.filter((l) => l.includes(": [flagger]")), schema: lines.filter((l) => l.includes(": [schema]")) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const BLUE_GREEN = { iterations: 10, maxWeight: null, stepWeight: null };

describe.skipIf(!kubectl)("horizon validate: Flagger's blue/green mode and mirroring (needs kubectl)", { timeout: 120_000 }, () => {
  it("renders production's campaign-service as blue/green (iterations, no weights) and today's deploy/ has no Flagger or schema finding", async () => {
    const result = await runTool(kubectl as string, ["kustomize", "deploy/environments/production"], repoRoot);
    expect(result.exitCode).toBe(0);
    const canaries = parseAllDocuments(result.stdout)
      .map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { analysis: Record<string, unknown> } })
      .filter((o) => o.kind === "Canary");
    const campaign = canaries.find((c) => c.metadata.name === "campaign-service")?.spec.analysis;
    expect(campaign?.iterations).toBe(10);
    expect(campaign).not.toHaveProperty("stepWeight");
    expect(campaign).not.toHaveProperty("maxWeight");
    expect(campaign?.mirror).toBeUndefined();
    // The others stay progressive canaries.
    for (const c of canaries.filter((c) => c.metadata.name !== "campaign-service")) expect(c.spec.analysis.stepWeight, c.metadata.name).toBe(10);
    // Validated against the vendored Flagger CRD (deploy/schemas/flagger-crds.yaml) and the rules below.
    expect(await flaggerFindings([])).toEqual({ flagger: [], schema: [] });
  });

  it("accepts mirroring in blue/green for a service whose Canary says it has no side effects", async () => {
    const found = await flaggerFindings([{ env: "staging", service: "trust-service", annotation: "none", analysis: { ...BLUE_GREEN, mirror: true, mirrorWeight: 50 } }]);
    expect(found).toEqual({ flagger: [], schema: [] });
  });

  describe("refuses, naming the Canary's file, the field and the environment", () => {
    let found: string[];
    beforeAll(async () => {
      const result = await flaggerFindings([
        // maxWeight (the base's) beside iterations: canary.go DeploymentStrategy says blue/green, runBlueGreen never reads it.
        { env: "development", service: "campaign-service", analysis: { iterations: 5, stepWeight: null } },
        // payment-service mirrored, whatever its annotation says.
        { env: "staging", service: "payment-service", annotation: "none", analysis: { ...BLUE_GREEN, mirror: true } },
        // mirror in canary mode (runCanary mirrors one step, then shifts live traffic).
        { env: "development", service: "trust-service", annotation: "none", analysis: { mirror: true } },
        // trust-service keeps its base annotation (it writes): no mirroring; mirrorWeight out of [0, 100].
        { env: "staging", service: "trust-service", analysis: { ...BLUE_GREEN, mirror: true, mirrorWeight: 150 } },
        // the kubernetes provider has no router to mirror (runBlueGreen skips it); iterations is a Go int.
        { env: "staging", service: "campaign-service", annotation: "none", provider: "kubernetes", analysis: { ...BLUE_GREEN, iterations: 2.5, mirror: true } },
        // mirrorWeight without mirror: istio.go reads it only while mirroring.
        { env: "development", service: "notification-service", analysis: { ...BLUE_GREEN, mirrorWeight: 20 } },
        // analysis.match with iterations is A/B testing, which never mirrors (runAB).
        { env: "production", service: "trust-service", annotation: "none", analysis: { ...BLUE_GREEN, mirror: true, match: [{ headers: { "x-canary": { exact: "1" } } }] } },
      ]);
      found = result.flagger;
      expect(result.schema).toEqual([]);
    });
    const expectOne = (env: string, service: string, pattern: RegExp): void => {
      const prefix = `deploy/base/${service}/canary.yaml:`;
      const label = `[flagger] Canary/${service} (rendered by deploy/environments/${env}): /spec/analysis/`;
      const hits = found.filter((l) => l.startsWith(prefix) && l.includes(label) && pattern.test(l));
      expect(hits, found.join("\n")).toHaveLength(1);
      expect(hits[0]).toMatch(/^deploy\/base\/[a-z-]+\/canary\.yaml:[1-9]\d*: /);
    };

    it("maxWeight beside iterations (Flagger runs blue/green and ignores it)", () => {
      expectOne("development", "campaign-service", /\/maxWeight is set beside iterations 5: .*runs blue\/green/);
    });
    it("mirroring payment-service, even annotated as free of side effects", () => {
      expectOne("staging", "payment-service", /\/mirror is true for payment-service: .*never mirror it/);
    });
    it("mirror without iterations", () => {
      expectOne("development", "trust-service", /\/mirror is true without iterations/);
    });
    it("mirroring a service with side effects (the base annotation), and a mirrorWeight above 100", () => {
      expectOne("staging", "trust-service", /\/mirror is true but trust-service has side effects \(blessedhorizon\.org\/side-effects: "writes/);
      expectOne("staging", "trust-service", /\/mirrorWeight is 150: .*\[0, 100\]/);
    });
    it("mirror with a provider that does not mirror, and a fractional iterations", () => {
      expectOne("staging", "campaign-service", /\/mirror is true with provider kubernetes/);
      expectOne("staging", "campaign-service", /\/iterations is 2\.5: .*Go int/);
    });
    it("mirrorWeight without mirror", () => {
      expectOne("development", "notification-service", /\/mirrorWeight is set without mirror: true/);
    });
    it("mirror in A/B testing (analysis.match)", () => {
      expectOne("production", "trust-service", /\/mirror is true with analysis\.match: .*A\/B testing/);
    });
    it("nothing else", () => {
      expect(found, found.join("\n")).toHaveLength(9);
    });
  });

  // The CRD's analysis schema: oneOf required [interval, threshold] plus exactly one of iterations, stepWeight,
  // stepWeights (deploy/schemas/flagger-crds.yaml, vendored from fluxcd/flagger artifacts/flagger/crd.yaml).
  it("the Flagger CRD refuses stepWeight beside iterations, and a blue/green analysis without threshold", async () => {
    const found = await flaggerFindings([
      { env: "development", service: "campaign-service", analysis: { iterations: 5 } },
      { env: "staging", service: "trust-service", analysis: { ...BLUE_GREEN, threshold: null } },
    ]);
    expect(found.flagger).toEqual([expect.stringContaining("/spec/analysis/maxWeight is set beside iterations 5")]);
    for (const env of ["development", "staging"]) {
      expect(found.schema).toContain(`deploy/environments/${env}/kustomization.yaml:1: [schema] rendered Canary/${env === "staging" ? "trust" : "campaign"}-service: /spec/analysis must match exactly one schema in oneOf`);
    }
  });
});
