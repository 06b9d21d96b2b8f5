import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { labelKeyProblem, labelValueProblem } from "../core/label-syntax.js";
import { formatFinding } from "./findings.js";
import { validateRepository } from "./index.js";
import { findExecutable } from "../io/process.js";

/*
 * `horizon validate` judges objects the way the API server does under
 * `kubectl apply --validate=strict` (field validation "Strict": "fail the
 * request with a BadRequest error if any unknown fields would be dropped from
 * the object, or if any duplicate fields are present" —
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation).
 *
 * Encoded from upstream, not from hand-written lists:
 * - which fields exist: the Kubernetes OpenAPI (release-1.36) as
 *   @kubernetes/client-node carries it, one model per definition with its
 *   attributeTypeMap, e.g.
 *   node_modules/@kubernetes/client-node/dist/gen/models/V1DeploymentSpec.js;
 * - which types they have: the same OpenAPI compiled to ajv by
 *   kubernetes-models, e.g.
 *   node_modules/kubernetes-models/_schemas/IoK8sApiAppsV1DeploymentSpec.js
 *   (int-or-string and Quantity fields take both forms);
 * - Flagger's Canary: the vendored CRD deploy/schemas/flagger-crds.yaml;
 * - label syntax, and where the API server checks it: ValidateLabels and
 *   ValidateLabelSelectorRequirement (k8s.io/apimachinery
 *   pkg/apis/meta/v1/validation/validation.go, on every ObjectMeta and
 *   LabelSelector) and ValidateService's spec.selector
 *   (k8s.io/kubernetes pkg/apis/core/validation/validation.go); the rule
 *   itself is src/core/label-syntax.ts (IsQualifiedName, IsValidLabelValue).
 */

const repoRoot = resolve(import.meta.dirname, "../../../..");
const kubectl = await findExecutable("kubectl");

/** 1-based line of the first line of `text` that contains `needle` (at or after the line holding `after`). */
function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split("\n");
  const start = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  const index = lines.findIndex((l, i) => i >= start && l.includes(needle));
  if (index < 0) throw new Error(`test setup: ${needle} not in the fixture`);
  return index + 1;
}

const fixture = (name: string): Promise<string> => readFile(join(import.meta.dirname, "fixtures/strict", name), "utf8");

/** What `horizon validate` prints for a repository whose deploy/ holds `objects.yaml` (and Flagger's CRDs). */
async function findingsFor(objects: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-strict-"));
  try {
    await mkdir(join(dir, "deploy", "schemas"), { recursive: true });
    await cp(join(repoRoot, "deploy/schemas/flagger-crds.yaml"), join(dir, "deploy/schemas/flagger-crds.yaml"));
    await writeFile(join(dir, "deploy", "objects.yaml"), objects);
    const { findings } = await validateRepository(dir, {});
    return findings.map(formatFinding);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("horizon validate: strict field validation, as kubectl apply --validate=strict", () => {
  it("accepts what the API server accepts: int-or-string ports and budgets, quantities, annotation and label maps, status, kinds whose names two groups share", async () => {
    expect(await findingsFor(await fixture("accepted.yaml"))).toEqual([]);
  });

  describe("rejects unknown and mistyped fields in core objects, naming file, object and field", () => {
    let yaml: string;
    let findings: string[];
    beforeAll(async () => {
      yaml = await fixture("rejected.yaml");
      findings = await findingsFor(yaml);
    });
    const at = (needle: string, after?: string): string => `deploy/objects.yaml:${lineOf(yaml, needle, after)}: [schema]`;

    it("a top-level field of a Deployment", () => {
      expect(findings).toContain(`${at("bogusField")} Deployment/api: /bogusField is an unknown field`);
    });

    it("a misspelt field of a Deployment's spec and metadata, with the field meant", () => {
      expect(findings).toContain(`${at("replicass")} Deployment/api: /spec/replicass is an unknown field (did you mean "replicas"?)`);
      expect(findings).toContain(`${at("labelz")} Deployment/api: /metadata/labelz is an unknown field (did you mean "labels"?)`);
    });

    it("a field deep in the pod template", () => {
      expect(findings).toContain(
        `${at("imagePullPolice")} Deployment/api: /spec/template/spec/containers/0/imagePullPolice is an unknown field (did you mean "imagePullPolicy"?)`,
      );
    });

    it("a string where the API wants an integer", () => {
      expect(findings).toContain(`${at('replicas: "three"')} Deployment/worker: /spec/replicas must be integer`);
      expect(findings).toContain(`${at('port: "80"')} Service/api: /spec/ports/0/port must be integer`);
    });

    it("an HPA's, a Service's, a PDB's, a ServiceAccount's, a ConfigMap's, a Job's, a Namespace's and a NetworkPolicy's", () => {
      expect(findings).toContain(`${at("minReplicaz")} HorizontalPodAutoscaler/api: /spec/minReplicaz is an unknown field (did you mean "minReplicas"?)`);
      expect(findings).toContain(`${at("targetPorts")} Service/api: /spec/ports/0/targetPorts is an unknown field (did you mean "targetPort"?)`);
      expect(findings).toContain(`${at("minAvailabe")} PodDisruptionBudget/api: /spec/minAvailabe is an unknown field (did you mean "minAvailable"?)`);
      expect(findings).toContain(
        `${at("automountServiceAccountTokens")} ServiceAccount/api: /automountServiceAccountTokens is an unknown field (did you mean "automountServiceAccountToken"?)`,
      );
      expect(findings).toContain(`${at("datas")} ConfigMap/settings: /datas is an unknown field (did you mean "data"?)`);
      expect(findings).toContain(`${at("backofLimit")} Job/migrate: /spec/backofLimit is an unknown field (did you mean "backoffLimit"?)`);
      expect(findings).toContain(`${at("finalizer:")} Namespace/blessed-horizon: /spec/finalizer is an unknown field (did you mean "finalizers"?)`);
      expect(findings).toContain(`${at("podSelecter")} NetworkPolicy/api: /spec/podSelecter is an unknown field (did you mean "podSelector"?)`);
    });

    it("a custom resource's metadata (ObjectMeta for every kind) and spec (its CRD), in the same words", () => {
      expect(findings).toContain(`${at("labelz", "kind: Canary")} Canary/api: /metadata/labelz is an unknown field (did you mean "labels"?)`);
      expect(findings).toContain(`${at("portname")} Canary/api: /spec/service/portname is an unknown field (did you mean "portName"?)`);
    });

    it("and nothing else: every other field of these objects is known", () => {
      expect(findings, findings.join("\n")).toHaveLength(16);
    });
  });

  describe("rejects label keys and values Kubernetes refuses, wherever labels are", () => {
    const long = "a".repeat(64);
    let yaml: string;
    let findings: string[];
    beforeAll(async () => {
      yaml = await fixture("labels.yaml");
      findings = await findingsFor(yaml);
    });
    const at = (needle: string, after?: string): string => `deploy/objects.yaml:${lineOf(yaml, needle, after)}: [labels]`;

    it("an object's own labels: value and key", () => {
      expect(findings).toContain(
        `${at("1.4.0+build.7")} Deployment/api: /metadata/labels, label 'app.kubernetes.io/version': '1.4.0+build.7' is not a valid Kubernetes label value: '+' is not allowed (only letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters)`,
      );
      expect(findings).toContain(`${at("Example.com/team")} Deployment/api: /metadata/labels: ${labelKeyProblem("Example.com/team")}`);
    });

    it("a selector's matchExpressions key and values, and a pod template's labels", () => {
      expect(findings).toContain(`${at("key: tier/")} Deployment/api: /spec/selector/matchExpressions/0/key: ${labelKeyProblem("tier/")}`);
      expect(findings).toContain(`${at("values: [web, -web]")} Deployment/api: /spec/selector/matchExpressions/0/values/1: ${labelValueProblem("-web")}`);
      expect(findings).toContain(`${at("tier: web tier")} Deployment/api: /spec/template/metadata/labels, label 'tier': ${labelValueProblem("web tier")}`);
    });

    it("a Service's selector, a PDB's matchLabels, a custom resource's labels", () => {
      expect(findings).toContain(`${at("app: api_")} Service/api: /spec/selector, label 'app': ${labelValueProblem("api_")}`);
      expect(findings).toContain(`${at(long)} PodDisruptionBudget/api: /spec/selector/matchLabels, label 'app': ${labelValueProblem(long)}`);
      expect(findings).toContain(`${at("payments!")} Canary/api: /metadata/labels, label 'team': ${labelValueProblem("payments!")}`);
    });

    it("and nothing else", () => {
      expect(findings, findings.join("\n")).toHaveLength(8);
    });
  });

  it("rejects a duplicate field (strict field validation's other half)", async () => {
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n  LOG_LEVEL: debug\n";
    expect(await findingsFor(yaml)).toEqual(["deploy/objects.yaml:7: [yaml] Map keys must be unique"]);
  });

  it.skipIf(!kubectl)("checks the rendered environments too: a base Deployment's unknown field is named in each environment that renders it", { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "horizon-strict-"));
    try {
      await cp(join(repoRoot, "deploy"), join(dir, "deploy"), { recursive: true });
      const file = join(dir, "deploy/base/trust-service/deployment.yaml");
      await writeFile(file, (await readFile(file, "utf8")).replace("  revisionHistoryLimit: 5\n", "  revisionHistoryLimit: 5\n  revisionHistoryLimits: 5\n"));
      const { findings } = await validateRepository(dir, { kubectl });
      expect(findings.filter((f) => f.check === "schema").map(formatFinding)).toEqual([
        `deploy/base/trust-service/deployment.yaml:${lineOf(await readFile(file, "utf8"), "revisionHistoryLimits")}: [schema] Deployment/trust-service: /spec/revisionHistoryLimits is an unknown field (did you mean "revisionHistoryLimit"?)`,
        ...["development", "production", "staging"].map(
          (env) => `deploy/environments/${env}/kustomization.yaml:1: [schema] rendered Deployment/trust-service: /spec/revisionHistoryLimits is an unknown field (did you mean "revisionHistoryLimit"?)`,
        ),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("the repository's own deploy/", () => {
    let schemaFindings: string[];
    beforeAll(async () => {
      const { findings } = await validateRepository(repoRoot, { kubectl });
      schemaFindings = findings.filter((f) => f.check === "schema" || f.check === "labels").map(formatFinding);
    }, 120_000);

    it("passes strict validation, files and (with kubectl) rendered environments", () => {
      expect(schemaFindings).toEqual([]);
    });
  });
});
