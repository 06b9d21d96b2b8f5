import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFinding } from "./findings.js";
import { validateRepository } from "./index.js";
import { findExecutable } from "../io/process.js";

// What a real cluster (Istio, Flagger, External Secrets, one NATS) does with deploy/.
// fixtures/deploy-before is deploy/ as it was on 2026-12-01, before issue 12.
const repoRoot = resolve(import.meta.dirname, "../../../..");
const before = join(import.meta.dirname, "fixtures/deploy-before");
const kubectl = await findExecutable("kubectl");
const SERVICES = ["campaign-service", "payment-service", "notification-service", "trust-service"];
const CLUSTER_CHECKS = new Set(["istio", "flagger", "nats"]);

async function copyOf(deploy: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-cluster-"));
  await cp(deploy, join(dir, "deploy"), { recursive: true });
  await cp(join(repoRoot, "deploy/schemas"), join(dir, "deploy/schemas"), { recursive: true });
  return dir;
}

const lineOf = async (dir: string, file: string, needle: string): Promise<number> =>
  (await readFile(join(dir, file), "utf8")).split("\n").findIndex((l) => l.includes(needle)) + 1;

async function edit(dir: string, file: string, from: string, to: string): Promise<void> {
  const text = await readFile(join(dir, file), "utf8");
  if (!text.includes(from)) throw new Error(`test setup: ${from} not in ${file}`);
  await writeFile(join(dir, file), text.replace(from, to));
}

describe.skipIf(!kubectl)("horizon validate: what a real cluster does with deploy/ (needs kubectl)", { timeout: 180_000 }, () => {
  describe("on deploy/ as it was before issue 12", () => {
    let dir: string;
    let lines: string[];
    beforeAll(async () => {
      dir = await copyOf(before);
      lines = (await validateRepository(dir, { kubectl })).findings.map(formatFinding);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // Istio sidecar injection: namespace label istio-injection=enabled; Flagger's istio provider
    // reads istio_requests_total{reporter="destination"}, which only sidecars report.
    // Argo CD: CreateNamespace=true creates the namespace bare unless syncPolicy.managedNamespaceMetadata sets labels.
    it("finds each namespace that holds a Canary but is created without istio-injection=enabled", async () => {
      for (const [env, namespace, app] of [
        ["development", "blessed-horizon-development", "blessed-horizon-dev"],
        ["staging", "blessed-horizon-staging", "blessed-horizon-staging"],
        ["production", "blessed-horizon", "blessed-horizon-prod"],
      ] as const) {
        const file = `deploy/argocd/application-${env}.yaml`;
        const line = await lineOf(dir, file, "syncPolicy:");
        expect(lines).toContain(
          `${file}:${line}: [istio] Application/${app}: namespace ${namespace} holds Canary/campaign-service, Canary/notification-service, Canary/payment-service, Canary/trust-service but is created without the label istio-injection=enabled (/spec/syncPolicy/managedNamespaceMetadata/labels, or a Namespace object): its pods get no sidecar, istio_requests_total is empty and Flagger halts the analysis with "no values found"`,
        );
      }
    });

    // Flagger docs, Istio canary deployments: the webhook URL is http://flagger-loadtester.test/, the
    // loadtester in the test namespace; the controller that POSTs it runs in istio-system.
    it("finds each Canary webhook URL that is not namespace-qualified", async () => {
      for (const service of SERVICES) {
        const file = `deploy/base/${service}/canary.yaml`;
        const line = await lineOf(dir, file, "url: http://flagger-loadtester/");
        expect(lines).toContain(
          `${file}:${line}: [flagger] Canary/${service}: /spec/analysis/webhooks/0/url http://flagger-loadtester/ is not namespace-qualified: Flagger's controller POSTs it from its own namespace (istio-system), where flagger-loadtester does not resolve; use http://flagger-loadtester.<namespace>/`,
        );
      }
    });

    // Istio sidecar injection: pod annotation sidecar.istio.io/inject: "false" opts a pod out;
    // an injected Job's istio-proxy never exits, so the Job never completes.
    it("finds each Job that would run in an injected namespace without opting out of the sidecar", async () => {
      for (const service of SERVICES) {
        const file = `deploy/base/${service}/migrate-job.yaml`;
        const line = await lineOf(dir, file, "    metadata:");
        expect(lines).toContain(
          `${file}:${line}: [istio] Job/${service}-migrate: its namespace has (or needs, for its Canaries) Istio sidecar injection, and /spec/template/metadata/annotations/sidecar.istio.io/inject is not "false": the istio-proxy sidecar never exits, so the Job never completes`,
        );
      }
    });

    // ESO v0.17.0 release notes: v1beta1 no longer served (the v1 API is the only one served).
    it("refuses external-secrets.io/v1beta1, in each file and each rendered environment", async () => {
      for (const service of SERVICES) {
        const file = `deploy/base/${service}/external-secret.yaml`;
        expect(lines).toContain(
          `${file}:${await lineOf(dir, file, "apiVersion:")}: [schema] ExternalSecret/${service}-secrets: external-secrets.io/v1beta1 is not served by the External Secrets Operator since v0.17.0: use external-secrets.io/v1`,
        );
      }
      for (const env of ["development", "staging", "production"]) {
        const file = `deploy/environments/${env}/secret-store.yaml`;
        expect(lines).toContain(
          `${file}:${await lineOf(dir, file, "apiVersion: external-secrets.io")}: [schema] SecretStore/aws-secrets-manager: external-secrets.io/v1beta1 is not served by the External Secrets Operator since v0.17.0: use external-secrets.io/v1`,
        );
        expect(lines).toContain(
          `deploy/environments/${env}/kustomization.yaml:1: [schema] rendered SecretStore/aws-secrets-manager: external-secrets.io/v1beta1 is not served by the External Secrets Operator since v0.17.0: use external-secrets.io/v1`,
        );
      }
    });

    // NATS JetStream: a durable consumer is named within its stream, and two streams may not
    // listen on overlapping subjects. One stream for all environments shares every consumer.
    it("finds environments on one NATS server that share a stream and subject prefix", () => {
      for (const [a, b] of [["development", "production"], ["development", "staging"], ["production", "staging"]] as const) {
        expect(lines).toContain(
          `deploy/environments/${b}/kustomization.yaml:1: [nats] ${b} and ${a} share the NATS stream "BLESSED_HORIZON" on nats://nats.nats.svc.cluster.local:4222 (Deployment env NATS_STREAM, unset: the kit's default): their durable consumers are the same, so one environment's events are load-balanced into the other's services`,
        );
        expect(lines).toContain(
          `deploy/environments/${b}/kustomization.yaml:1: [nats] ${b}'s subjects "events.>" overlap ${a}'s "events.>" on nats://nats.nats.svc.cluster.local:4222 (Deployment env NATS_SUBJECT_PREFIX, unset: the kit's default): JetStream refuses a second stream on overlapping subjects`,
        );
      }
    });

    it("reports no other cluster finding", () => {
      const cluster = lines.filter((l) => CLUSTER_CHECKS.has(/\[(\w[\w-]*)\]/.exec(l)?.[1] ?? ""));
      expect(cluster, cluster.join("\n")).toHaveLength(3 + 4 + 4 + 6);
    });
  });

  describe("on today's deploy/", () => {
    const withEdits = async (edits: [file: string, from: string, to: string][]): Promise<string[]> => {
      const dir = await copyOf(join(repoRoot, "deploy"));
      try {
        for (const [file, from, to] of edits) await edit(dir, file, from, to);
        return (await validateRepository(dir, { kubectl })).findings.map(formatFinding);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };

    it("finds nothing", async () => {
      expect(await withEdits([])).toEqual([]);
    });

    // Flagger docs, Istio canary deployments: the load tester must run where the webhook URL says.
    it("finds a webhook URL whose namespace runs no load tester (an environment without the replacement)", async () => {
      const file = "deploy/environments/staging/kustomization.yaml";
      const text = await readFile(join(repoRoot, file), "utf8");
      const lines = await withEdits([[file, text.slice(text.indexOf("replacements:")), ""]]);
      expect(lines.filter((l) => l.includes("[flagger]"))).toEqual(
        [...SERVICES].sort().map((s) =>
          expect.stringMatching(
            new RegExp(`^deploy/base/${s}/canary\\.yaml:\\d+: \\[flagger\\] Canary/${s}: /spec/analysis/webhooks/0/url http://flagger-loadtester\\.NAMESPACE\\.svc\\.cluster\\.local/ \\(in blessed-horizon-staging\\): no Service flagger-loadtester is deployed in namespace namespace$`),
          ) as unknown,
        ),
      );
    });

    // Istio sidecar injection: the namespace label istio-injection=enabled, however it gets there.
    it("takes the injection label from a Namespace object as well as from Argo CD", async () => {
      const lines = await withEdits([
        ["deploy/argocd/application-staging.yaml", "        istio-injection: enabled\n", "        team: donations\n"],
        ["deploy/environments/staging/secret-store.yaml", "---\n", "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: blessed-horizon-staging\n  labels:\n    istio-injection: enabled\n---\n"],
      ]);
      expect(lines.filter((l) => l.includes("[istio]"))).toEqual([]);
      const without = await withEdits([["deploy/argocd/application-staging.yaml", "        istio-injection: enabled\n", "        team: donations\n"]]);
      expect(without.filter((l) => l.includes("[istio]"))).toEqual([expect.stringMatching(/^deploy\/argocd\/application-staging\.yaml:\d+: \[istio\] Application\/blessed-horizon-staging: namespace blessed-horizon-staging holds /)]);
    });

    // @kubernetes-models/external-secrets 2.x: the v1 schema, not v1beta1's, is what ExternalSecrets are checked against.
    it("checks external-secrets.io/v1 objects against the v1 schema", async () => {
      const lines = await withEdits([["deploy/base/payment-service/external-secret.yaml", "    kind: SecretStore\n", "    kind: Vault\n"]]);
      expect(lines).toContainEqual(expect.stringMatching(/^deploy\/base\/payment-service\/external-secret\.yaml:\d+: \[schema\] ExternalSecret\/payment-service-secrets: \/spec\/secretStoreRef\/kind .*SecretStore, ClusterSecretStore/));
    });

    // NATS JetStream: a stream on production.events.> and one on production.events.staging.> overlap.
    it("finds an environment whose subjects overlap another's", async () => {
      const lines = await withEdits([["deploy/environments/staging/kustomization.yaml", "value: staging.events", "value: production.events.staging"]]);
      expect(lines.filter((l) => l.includes("[nats]"))).toEqual([
        expect.stringMatching(/^deploy\/environments\/staging\/kustomization\.yaml:\d+: \[nats\] staging's subjects "production\.events\.staging\.>" overlap production's "production\.events\.>" .*\(Deployment env NATS_SUBJECT_PREFIX\): JetStream refuses/),
      ]);
    });

    it("finds services of one environment that would not see each other's events", async () => {
      const lines = await withEdits([["deploy/environments/staging/kustomization.yaml", "labelSelector: app.kubernetes.io/part-of=blessed-horizon", "labelSelector: app.kubernetes.io/name=payment-service"]]);
      expect(lines.filter((l) => l.includes("[nats]"))).toEqual([
        expect.stringMatching(/^deploy\/environments\/staging\/kustomization\.yaml:\d+: \[nats\] Deployment\/payment-service has NATS_STREAM "BLESSED_HORIZON_STAGING" but Deployment\/campaign-service "BLESSED_HORIZON": services of one environment/),
        expect.stringMatching(/^deploy\/environments\/staging\/kustomization\.yaml:\d+: \[nats\] Deployment\/payment-service has NATS_SUBJECT_PREFIX "staging\.events" but Deployment\/campaign-service "events": /),
      ]);
    });
  });
});
