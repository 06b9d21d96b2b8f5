import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDeliveryRules } from "./delivery-rules.js";
import { formatFinding } from "./findings.js";
import { validateRepository } from "./index.js";
import { kustomizeTargets } from "./kustomize.js";
import type { RenderedTarget } from "./kustomize.js";
import { findExecutable, runTool } from "../io/process.js";
import { parseYamlWithLines } from "./yaml-locate.js";

// Whether what deploy/ validates reaches the cluster and works there (issue 12, items 6, 8, 9).
// fixtures/deploy-before is deploy/ as it was on 2026-12-01, before issue 12.
const repoRoot = resolve(import.meta.dirname, "../../../..");
const before = join(import.meta.dirname, "fixtures/deploy-before");
const kubectl = await findExecutable("kubectl");
const promtool = await findExecutable("promtool");
const DELIVERY_CHECKS = new Set(["argocd", "routing", "alerts"]);
const ENVIRONMENTS = [
  ["development", "blessed-horizon-development", "api.dev.blessedhorizon.org"],
  ["staging", "blessed-horizon-staging", "api.staging.blessedhorizon.org"],
  ["production", "blessed-horizon", "api.blessedhorizon.org"],
] as const;

async function copyOf(deploy: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-delivery-"));
  await cp(deploy, join(dir, "deploy"), { recursive: true });
  await cp(join(repoRoot, "deploy/schemas"), join(dir, "deploy/schemas"), { recursive: true });
  return dir;
}

const lineOf = async (dir: string, file: string, needle: string): Promise<number> => {
  const line = (await readFile(join(dir, file), "utf8")).split("\n").findIndex((l) => l.includes(needle)) + 1;
  if (line === 0) throw new Error(`test setup: ${needle} not in ${file}`);
  return line;
};

async function edit(dir: string, file: string, from: string, to: string): Promise<void> {
  const text = await readFile(join(dir, file), "utf8");
  if (!text.includes(from)) throw new Error(`test setup: ${from} not in ${file}`);
  await writeFile(join(dir, file), text.replace(from, to));
}

/** The delivery rules alone on a copy of `deploy` with `edits`: rendered by kubectl, as validate renders it. */
async function deliveryLines(deploy: string, edits: [file: string, from: string, to: string][], setup?: (dir: string) => Promise<void>): Promise<string[]> {
  const dir = await copyOf(deploy);
  try {
    for (const [file, from, to] of edits) await edit(dir, file, from, to);
    await setup?.(dir);
    const rendered: RenderedTarget[] = [];
    for (const target of await kustomizeTargets(dir, "deploy")) {
      const result = await runTool(kubectl as string, ["kustomize", target], dir);
      expect(result.stderr).toBe("");
      rendered.push({ target, objects: parseYamlWithLines(result.stdout).documents.map((d) => d.value as Record<string, unknown>) });
    }
    return (await checkDeliveryRules(dir, "deploy", rendered)).map(formatFinding);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!kubectl)("horizon validate: delivery, routing and alerts of deploy/ (needs kubectl)", { timeout: 180_000 }, () => {
  describe("on deploy/ as it was before issue 12", () => {
    let dir: string;
    let lines: string[];
    beforeAll(async () => {
      dir = await copyOf(before);
      lines = (await validateRepository(dir, { kubectl, promtool })).findings.map(formatFinding);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // Argo CD delivers what an Application's spec.source.path renders (argo-cd docs
    // operator-manual/application.yaml); argocd/ itself is the bootstrap, applied by hand.
    it("finds that no Application delivers monitoring/", () => {
      expect(lines).toContain(
        "deploy/monitoring/kustomization.yaml:1: [argocd] deploy/monitoring/ is delivered by no Argo CD Application (no Application's source path is this folder or renders it through a kustomization): what is validated here never reaches the cluster",
      );
    });

    // fluxcd/flagger v1.44.0 pkg/router/istio.go: hosts = service.hosts + the apex name, on
    // service.gateways; Istio's analyzer IST0109 (ConflictingMeshGatewayVirtualServiceHosts).
    it("finds campaign- and payment-service binding each environment's public host to the mesh gateway", async () => {
      for (const [service, other] of [["campaign-service", "payment-service"], ["payment-service", "campaign-service"]] as const) {
        const file = `deploy/base/${service}/canary.yaml`;
        const line = await lineOf(dir, file, "    gateways:");
        for (const [, namespace, host] of ENVIRONMENTS) {
          expect(lines).toContain(
            `${file}:${line}: [routing] Canary/${service} (${namespace}): binds host ${host} to the mesh gateway, as Canary/${other} (${namespace}) does (Istio IST0109, conflicting mesh gateway hosts: sidecars use one VirtualService's routes, which one is undefined). Bind a shared public host to the ingress gateway only`,
          );
        }
      }
    });

    // fluxcd/flagger v1.44.0 pkg/router/istio.go: the VirtualService's one HTTP route carries service.match.
    it("finds the match that makes in-mesh calls outside the public prefixes 404", async () => {
      for (const service of ["campaign-service", "payment-service"]) {
        const file = `deploy/base/${service}/canary.yaml`;
        expect(lines).toContain(
          `${file}:${await lineOf(dir, file, "    match:")}: [routing] Canary/${service}: /spec/service/match restricts the only route of the VirtualService Flagger generates, which is also bound to the mesh gateway: in-mesh calls to http://${service} that the match does not cover find no route (404). Bind the public host to the ingress gateway only (no mesh in /spec/service/gateways), or drop the match`,
        );
      }
    });

    // The probes of the Deployments the PodMonitor selects, and its scrape path: steady 200s.
    it("finds the error-rate alert counting probes and scrapes, on both sides of its ratio", async () => {
      const file = "deploy/monitoring/prometheus-rule.yaml";
      const line = (await lineOf(dir, file, "- alert: HighErrorRate")) + 4;
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^deploy/monitoring/prometheus-rule\\.yaml:${line}: \\[alerts\\] PrometheusRule/deployment-alerts: alert HighErrorRate: 2 of its 2 request-metric selectors count /metrics \\(PodMonitor/blessed-horizon's scrapes\\), /healthz \\(livenessProbe of Deployment/[a-z-]+\\), /readyz \\(readinessProbe of Deployment/[a-z-]+\\): `),
        ),
      );
    });

    // fluxcd/flagger v1.44.0 pkg/metrics/observers/istio.go: request-duration is histogram_quantile(0.99, ...).
    it("finds the latency alert on the canary's 500 ms bound computing a p95", async () => {
      const file = "deploy/monitoring/prometheus-rule.yaml";
      const line = (await lineOf(dir, file, "- alert: HighLatencyP95")) + 3;
      expect(lines).toContain(
        `${file}:${line}: [alerts] PrometheusRule/deployment-alerts: alert HighLatencyP95: has the canary analysis' bound (request-duration max 500 ms, Canary/campaign-service, Canary/notification-service, Canary/payment-service, Canary/trust-service) but computes histogram_quantile(0.95): Flagger's builtin request-duration is a p99 (fluxcd/flagger pkg/metrics/observers/istio.go), so a canary that fails its analysis does not fire this alert; use 0.99`,
      );
    });

    it("reports no other delivery finding", () => {
      const delivery = lines.filter((l) => DELIVERY_CHECKS.has(/\[(\w[\w-]*)\]/.exec(l)?.[1] ?? ""));
      // monitoring/, 6 mesh hosts, 2 matches, probes in 2 alerts, 1 quantile.
      expect(delivery, delivery.join("\n")).toHaveLength(1 + 6 + 2 + 2 + 1);
    });
  });

  // argoproj/argo-cd v3.5.1 controller/sync.go validateSyncPermissions: every object of a sync
  // passes IsGroupKindNamePermitted and, namespaced, IsDestinationPermitted (app_project_types.go).
  it("in the old project, the monitoring Application would be refused: its kinds and its namespace", async () => {
    const lines = await deliveryLines(before, [["deploy/argocd/kustomization.yaml", "  - application-production.yaml\n", "  - application-production.yaml\n  - application-monitoring.yaml\n"]], async (dir) => {
      const app = await readFile(join(repoRoot, "deploy/argocd/application-monitoring.yaml"), "utf8");
      await writeFile(join(dir, "deploy/argocd/application-monitoring.yaml"), app.replace("project: blessed-horizon-monitoring", "project: blessed-horizon"));
    });
    const project = "deploy/argocd/project.yaml";
    const text = await readFile(join(before, "argocd/project.yaml"), "utf8");
    const lineOfKey = (key: string): number => text.split("\n").findIndex((l) => l.startsWith(`  ${key}:`)) + 1;
    expect(lines.filter((l) => l.includes("[argocd]")).sort()).toEqual(
      [
        `${project}:${lineOfKey("destinations")}: [argocd] AppProject/blessed-horizon: namespace monitoring is not permitted in project blessed-horizon, so Argo CD refuses to sync Application/blessed-horizon-monitoring's destination`,
        `${project}:${lineOfKey("namespaceResourceWhitelist")}: [argocd] AppProject/blessed-horizon: resource monitoring.coreos.com:PodMonitor is not permitted in project blessed-horizon, so Argo CD refuses to sync PodMonitor/blessed-horizon of Application/blessed-horizon-monitoring (deploy/monitoring/pod-monitor.yaml)`,
        `${project}:${lineOfKey("namespaceResourceWhitelist")}: [argocd] AppProject/blessed-horizon: resource monitoring.coreos.com:PrometheusRule is not permitted in project blessed-horizon, so Argo CD refuses to sync PrometheusRule/deployment-alerts of Application/blessed-horizon-monitoring (deploy/monitoring/prometheus-rule.yaml)`,
      ].sort(),
    );
  });

  describe("on today's deploy/", () => {
    const today = join(repoRoot, "deploy");

    it("finds nothing", async () => {
      expect(await deliveryLines(today, [])).toEqual([]);
    });

    it("finds a rendered kind the project does not list, and a namespace it does not permit", async () => {
      const lines = await deliveryLines(today, [
        ["deploy/argocd/project.yaml", "    - group: monitoring.coreos.com\n      kind: PodMonitor\n", ""],
        ["deploy/monitoring/pod-monitor.yaml", "  namespace: monitoring\n", "  namespace: observability\n"],
      ]);
      expect(lines).toEqual([
        expect.stringMatching(
          /^deploy\/argocd\/project\.yaml:\d+: \[argocd\] AppProject\/blessed-horizon-monitoring: resource monitoring\.coreos\.com:PodMonitor is not permitted in project blessed-horizon-monitoring, so Argo CD refuses to sync PodMonitor\/blessed-horizon of Application\/blessed-horizon-monitoring/,
        ),
      ]);
      const namespace = await deliveryLines(today, [["deploy/monitoring/pod-monitor.yaml", "  namespace: monitoring\n", "  namespace: observability\n"]]);
      expect(namespace).toEqual([
        expect.stringMatching(
          /^deploy\/argocd\/project\.yaml:\d+: \[argocd\] AppProject\/blessed-horizon-monitoring: namespace observability is not permitted in project blessed-horizon-monitoring, so Argo CD refuses to sync PodMonitor\/blessed-horizon of Application\/blessed-horizon-monitoring/,
        ),
      ]);
    });

    // The services' project does not reach into monitoring, nor the monitoring project beyond its two kinds.
    it("finds an environment object sent to the monitoring namespace, and a Deployment in monitoring/", async () => {
      const lines = await deliveryLines(today, [["deploy/monitoring/kustomization.yaml", "  - pod-monitor.yaml\n", "  - pod-monitor.yaml\n  - ../base/flagger-loadtester\n"]]);
      expect(lines.sort()).toEqual([
        expect.stringMatching(/AppProject\/blessed-horizon-monitoring: resource :Service is not permitted in project blessed-horizon-monitoring, so Argo CD refuses to sync Service\/flagger-loadtester of Application\/blessed-horizon-monitoring/),
        expect.stringMatching(/AppProject\/blessed-horizon-monitoring: resource apps:Deployment is not permitted in project blessed-horizon-monitoring, so Argo CD refuses to sync Deployment\/flagger-loadtester of Application\/blessed-horizon-monitoring/),
      ]);
      const env = await deliveryLines(today, [
        ["deploy/argocd/application-staging.yaml", "    server: https://kubernetes.default.svc\n    namespace: blessed-horizon-staging\n", "    server: https://kubernetes.default.svc\n    namespace: monitoring\n"],
      ]);
      expect(env).toEqual([
        expect.stringMatching(/AppProject\/blessed-horizon: namespace monitoring is not permitted in project blessed-horizon, so Argo CD refuses to sync Application\/blessed-horizon-staging's destination$/),
      ]);
    });

    // Argo CD CreateNamespace=true: the Namespace is a cluster-scoped object of the sync.
    it("finds an Application that creates its namespace when the project allows no Namespace", async () => {
      const lines = await deliveryLines(today, [["deploy/argocd/project.yaml", '  clusterResourceWhitelist:\n    - group: ""\n      kind: Namespace\n', "  clusterResourceWhitelist: []\n"]]);
      expect(lines).toEqual([
        expect.stringMatching(
          /^deploy\/argocd\/project\.yaml:\d+: \[argocd\] AppProject\/blessed-horizon: resource :Namespace is not permitted in project blessed-horizon, so Argo CD refuses to sync Namespace\/blessed-horizon \(Application\/blessed-horizon-prod's CreateNamespace=true\), Namespace\/blessed-horizon-development \(.*\), Namespace\/blessed-horizon-staging \(.*\)$/,
        ),
      ]);
    });

    it("finds a folder of deploy/ that no Application renders", async () => {
      const lines = await deliveryLines(today, [], async (dir) => {
        await mkdir(join(dir, "deploy/network"));
        await writeFile(join(dir, "deploy/network/gateway.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: monitoring\n");
      });
      expect(lines).toEqual([expect.stringMatching(/^deploy\/network\/gateway\.yaml:1: \[argocd\] deploy\/network\/ is delivered by no Argo CD Application/)]);
    });

    it("finds a Canary whose match restricts a VirtualService on the mesh gateway", async () => {
      const lines = await deliveryLines(today, [
        ["deploy/base/trust-service/canary.yaml", "    portName: http\n", "    portName: http\n    match:\n      - uri:\n          prefix: /api/v1/assessments\n"],
      ]);
      expect(lines).toEqual([expect.stringMatching(/^deploy\/base\/trust-service\/canary\.yaml:\d+: \[routing\] Canary\/trust-service: \/spec\/service\/match restricts the only route .* in-mesh calls to http:\/\/trust-service /)]);
    });

    // Flagger's default gateway is mesh when spec.service.gateways is empty (pkg/router/istio.go).
    it("finds two Canaries on the default mesh gateway sharing a host", async () => {
      const lines = await deliveryLines(today, [
        ["deploy/base/trust-service/canary.yaml", "    portName: http\n", "    portName: http\n    hosts:\n      - trust.internal.example\n"],
        ["deploy/base/notification-service/canary.yaml", "    portName: http\n", "    portName: http\n    hosts:\n      - trust.internal.example\n"],
      ]);
      // The mesh is one for all namespaces: a full host name conflicts across environments too.
      expect(lines.filter((l) => l.includes("IST0109"))).toHaveLength(3 * 2);
      expect(lines).toContainEqual(
        expect.stringMatching(/^deploy\/base\/trust-service\/canary\.yaml:\d+: \[routing\] Canary\/trust-service \(blessed-horizon\): binds host trust\.internal\.example to the mesh gateway, as Canary\/notification-service \(blessed-horizon\), .*Canary\/trust-service \(blessed-horizon-staging\) does/),
      );
    });

    it("finds an error-rate alert that leaves out the probes but counts the scrapes", async () => {
      const from = 'route!~"/healthz|/readyz|/metrics", status=~"5.."';
      const lines = await deliveryLines(today, [["deploy/monitoring/prometheus-rule.yaml", from, 'route!~"/healthz|/readyz", status=~"5.."']]);
      expect(lines).toEqual([expect.stringMatching(/^deploy\/monitoring\/prometheus-rule\.yaml:\d+: \[alerts\] PrometheusRule\/deployment-alerts: alert HighErrorRate: 1 of its 2 request-metric selectors count \/metrics \(PodMonitor\/blessed-horizon's scrapes\): /)]);
    });

    it("finds a latency alert that names a quantile it does not compute", async () => {
      const lines = await deliveryLines(today, [["deploy/monitoring/prometheus-rule.yaml", "            0.99,\n", "            0.95,\n"]]);
      expect(lines.map((l) => l.replace(/^.*\[alerts\] /, "")).sort()).toEqual([
        expect.stringMatching(/^PrometheusRule\/deployment-alerts: alert HighLatencyP99: has the canary analysis' bound \(request-duration max 500 ms, .*\) but computes histogram_quantile\(0\.95\)/),
        "PrometheusRule/deployment-alerts: alert HighLatencyP99: says p99 but computes histogram_quantile(0.95)",
      ]);
    });
  });
});
