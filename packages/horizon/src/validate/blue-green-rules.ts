import { at, isObject, ofKind, stringMap } from "./cluster-view.js";
import type { ClusterView } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { objectLabel } from "./source-index.js";

/**
 * Flagger's blue/green mode, as its controller decides it (fluxcd/flagger v1.44.0):
 * - pkg/apis/flagger/v1beta1/canary.go `GetAnalysis` reads `spec.analysis` (else the old `spec.canaryAnalysis`);
 *   `DeploymentStrategy` is A/B testing with `analysis.match` and `iterations > 0`, blue/green with
 *   `iterations > 0` alone, and a canary otherwise; the analysis' counts are Go `int`s.
 * - pkg/controller/scheduler.go `runBlueGreen` never reads the weights; mirroring (`analysis.mirror`) lasts the
 *   whole blue/green test, except with the kubernetes provider, where there is no router to mirror.
 * - pkg/router/istio.go `SetRoutes` mirrors the VirtualService's first route to the canary, every method, and
 *   sets `mirrorPercentage` only when `mirrorWeight > 0` (otherwise every request is mirrored); the Gateway API
 *   router mirrors only in blue/green; the other routers (App Mesh, Contour, ...) never mirror.
 *
 * Mirroring sends a copy of each live request to the canary and drops its response: a request that writes
 * is carried out twice against the database both versions share. So a Canary may mirror only when it says,
 * in the annotation below, that its service has no side effects, and never payment- or notification-service.
 */
const SIDE_EFFECTS_ANNOTATION = "blessedhorizon.org/side-effects";
/** The annotation's value for a service whose requests change nothing (reads only). */
const NO_SIDE_EFFECTS = "none";
/** Services that charge money or send messages: never mirrored, whatever their annotation says. */
const NEVER_MIRRORED: ReadonlySet<string> = new Set(["payment-service", "notification-service"]);

/**
 * Weights that a blue/green analysis carries without complaint and Flagger ignores. stepWeight and stepWeights
 * beside iterations the CRD itself refuses: its analysis schema is oneOf interval+threshold with exactly one of
 * iterations, stepWeight, stepWeights (deploy/schemas/flagger-crds.yaml, from fluxcd/flagger artifacts/flagger/crd.yaml).
 */
const WEIGHT_FIELDS = ["maxWeight", "stepWeightPromotion"] as const;
const INT_FIELDS = ["iterations", "threshold", "mirrorWeight", "maxWeight", "stepWeight", "stepWeightPromotion"] as const;
/** Routers that mirror (pkg/router/istio.go, gateway_api.go); Flagger's default mesh provider is istio. */
const mirrors = (provider: string): boolean => provider === "istio" || provider.startsWith("gatewayapi");

export function blueGreenFindings(view: ClusterView): Finding[] {
  const findings: Finding[] = [];
  for (const canary of ofKind(view, "Canary")) {
    const key = isObject(at(canary.object, ["spec", "analysis"])) ? "analysis" : "canaryAnalysis";
    const analysis = at(canary.object, ["spec", key]);
    if (!isObject(analysis)) continue;
    const source = view.sources.locate(canary.object, canary.target);
    const where = (field: string): [string, number] => [source.file, source.lineOf(["spec", key, field])];
    const label = `${objectLabel(canary.object)} (rendered by ${canary.target})`;
    const report = (field: string, message: string): void => {
      const [file, line] = where(field);
      findings.push(finding(file, line, "flagger", `${label}: /spec/${key}/${field} ${message}`));
    };

    for (const field of INT_FIELDS) {
      const value = analysis[field];
      if (typeof value === "number" && !Number.isInteger(value)) {
        report(field, `is ${value}: Flagger's CanaryAnalysis.${field[0]?.toUpperCase() ?? ""}${field.slice(1)} is a Go int (pkg/apis/flagger/v1beta1/canary.go), so the controller cannot decode this Canary; use a whole number`);
      }
    }

    const iterations = typeof analysis.iterations === "number" ? analysis.iterations : 0;
    const hasMatch = Array.isArray(analysis.match) && analysis.match.length > 0;
    const mode = iterations > 0 ? (hasMatch ? "A/B testing" : "blue/green") : "canary";
    if (iterations > 0) {
      for (const field of WEIGHT_FIELDS) {
        if (analysis[field] === undefined) continue;
        report(field, `is set beside iterations ${iterations}: with iterations > 0 Flagger runs ${mode} (canary.go DeploymentStrategy) and never reads the weights, so this Canary is not the progressive canary it reads as; drop it for ${mode}, or drop iterations for a canary`);
      }
    }

    const mirror = analysis.mirror === true;
    if (analysis.mirrorWeight !== undefined) {
      const weight = analysis.mirrorWeight;
      if (!mirror) report("mirrorWeight", "is set without mirror: true: Flagger reads it only while it mirrors (pkg/router/istio.go), so it does nothing");
      else if (typeof weight === "number" && (weight < 0 || weight > 100)) {
        report("mirrorWeight", `is ${weight}: the share of requests mirrored is a percentage in [0, 100] (canary.go); 0 or none mirrors every request`);
      }
    }
    if (!mirror) continue;
    if (mode !== "blue/green") {
      report(
        "mirror",
        mode === "canary"
          ? "is true without iterations: mirroring is for blue/green here (iterations > 0, no stepWeight); in canary mode Flagger mirrors one step and then shifts live traffic to the canary (scheduler.go runCanary), and the Gateway API router never mirrors there"
          : "is true with analysis.match: Flagger runs A/B testing (canary.go DeploymentStrategy), which routes the matched requests to the canary and never mirrors (scheduler.go runAB)",
      );
    }
    const declared = at(canary.object, ["spec", "provider"]);
    const provider = typeof declared === "string" && declared !== "" ? declared : "istio";
    if (!mirrors(provider)) {
      report("mirror", `is true with provider ${provider}: only Flagger's Istio and Gateway API routers mirror requests (pkg/router/istio.go, gateway_api.go), so the canary would get no traffic to analyse`);
    }
    const targetName = at(canary.object, ["spec", "targetRef", "name"]);
    const target = typeof targetName === "string" ? targetName : String(at(canary.object, ["metadata", "name"]));
    const labels = stringMap(at(canary.object, ["metadata", "labels"]));
    const service = labels["blessedhorizon.org/service"] ?? target;
    const sideEffects = stringMap(at(canary.object, ["metadata", "annotations"]))[SIDE_EFFECTS_ANNOTATION];
    if (NEVER_MIRRORED.has(service) || NEVER_MIRRORED.has(target)) {
      report("mirror", `is true for ${service}: a mirrored request is carried out a second time by the canary (Istio drops only its response), and ${service} charges money or sends messages; never mirror it, use blue/green without mirror`);
    } else if (sideEffects !== NO_SIDE_EFFECTS) {
      report(
        "mirror",
        sideEffects === undefined
          ? `is true but the Canary does not say that ${service} has no side effects: a mirrored request is carried out a second time by the canary against the shared database (Istio mirrors every method); annotate ${SIDE_EFFECTS_ANNOTATION}: "${NO_SIDE_EFFECTS}" only if none of its routes writes`
          : `is true but ${service} has side effects (${SIDE_EFFECTS_ANNOTATION}: "${sideEffects}"): a mirrored request is carried out a second time by the canary against the shared database (Istio mirrors every method)`,
      );
    }
  }
  return findings;
}
