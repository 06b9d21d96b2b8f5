import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { setKustomizeImage } from "../gitops/kustomize-image.js";
import { findExecutable, runTool } from "../io/process.js";

// The manifests repo (deploy/) and its monitoring, checked with the tools that read them.
const repoRoot = resolve(import.meta.dirname, "../../../..");
const deploy = join(repoRoot, "deploy");
const SERVICES = ["campaign-service", "payment-service", "notification-service", "trust-service"];
const ENVIRONMENTS = { development: { namespace: "blessed-horizon-development", replicas: 1 }, staging: { namespace: "blessed-horizon-staging", replicas: 2 }, production: { namespace: "blessed-horizon", replicas: 3 } };
const kubectl = await findExecutable("kubectl");
const promtool = await findExecutable("promtool");

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}
interface Container {
  name: string;
  image: string;
}
const containersOf = (o: K8sObject): Container[] => ((o.spec?.template as { spec: { containers: Container[] } }).spec.containers);

async function render(dir: string): Promise<K8sObject[]> {
  const result = await runTool(kubectl as string, ["kustomize", dir], repoRoot);
  expect(result.stderr).toBe("");
  expect(result.exitCode).toBe(0);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as K8sObject);
}

describe.skipIf(!kubectl)("kubectl kustomize deploy/environments/<env> (needs kubectl)", { timeout: 60_000 }, () => {
  for (const [env, expected] of Object.entries(ENVIRONMENTS)) {
    it(`renders ${env}: all four services, ${expected.replicas} replicas each, in ${expected.namespace}`, async () => {
      const objects = await render(join(deploy, "environments", env));
      const deployments = objects.filter((o) => o.kind === "Deployment" && SERVICES.includes(o.metadata.name));
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICES].sort());
      for (const d of deployments) {
        expect(d.spec?.replicas, d.metadata.name).toBe(expected.replicas);
        expect(containersOf(d)[0]?.image).toMatch(new RegExp(`^123456789012\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/blessed-horizon/${d.metadata.name}:`));
      }
      const hpas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler");
      expect(hpas.map((h) => h.spec?.minReplicas)).toEqual(SERVICES.map(() => expected.replicas));
      for (const kind of ["Canary", "PodDisruptionBudget", "ExternalSecret", "Job"]) {
        expect(objects.filter((o) => o.kind === kind), kind).toHaveLength(4);
      }
      expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set([expected.namespace]));
      expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    });
  }

  it("runs each service's migrations with the db-migrate image of the same tag, before its pods", async () => {
    const dir = await mkdtemp(join(tmpdir(), "horizon-deploy-"));
    try {
      await cp(deploy, join(dir, "deploy"), { recursive: true });
      const overlay = join(dir, "deploy/environments/staging/payment-service/kustomization.yaml");
      const trustBefore = containersOf((await render(join(dir, "deploy/environments/staging"))).find((o) => o.kind === "Job" && o.metadata.name === "trust-service-migrate") as K8sObject)[0]?.image;
      // As horizon release writes it: the service's images: entry, and the db-migrate entry beside it.
      const commit = "3f9c2e1d3f9c2e1d3f9c2e1d3f9c2e1d3f9c2e1d";
      await writeFile(overlay, setKustomizeImage(await readFile(overlay, "utf8"), overlay, "payment-service", { repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon/payment-service", tag: commit }));
      const objects = await render(join(dir, "deploy/environments/staging"));
      const job = objects.find((o) => o.kind === "Job" && o.metadata.name === "payment-service-migrate") as K8sObject;
      expect(containersOf(job)[0]?.image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon/db-migrate:${commit}`);
      expect(job.metadata.annotations?.["argocd.argoproj.io/hook"]).toBe("Sync");
      expect(Number(job.metadata.annotations?.["argocd.argoproj.io/sync-wave"])).toBeLessThan(0);
      const other = objects.find((o) => o.kind === "Job" && o.metadata.name === "trust-service-migrate") as K8sObject;
      expect(containersOf(other)[0]?.image).toBe(trustBefore);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("renders the Argo CD project, one Application per environment and one for monitoring/", async () => {
    const objects = await render(join(deploy, "argocd"));
    expect(objects.filter((o) => o.kind === "AppProject").map((o) => o.metadata.name)).toEqual(["blessed-horizon", "blessed-horizon-monitoring"]);
    const apps = objects.filter((o) => o.kind === "Application");
    expect(apps.map((a) => (a.spec?.source as { path: string }).path).sort()).toEqual([...Object.keys(ENVIRONMENTS).map((e) => `environments/${e}`), "monitoring"].sort());
    const prod = apps.find((a) => a.metadata.name === "blessed-horizon-prod");
    expect(prod?.spec?.ignoreDifferences).toEqual([{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }]);
  });
});

describe("deploy/monitoring", () => {
  it("wraps exactly the promtool-tested rule groups in the PrometheusRule", async () => {
    const plain = parse(await readFile(join(deploy, "monitoring/rules/blessed-horizon.rules.yaml"), "utf8")) as { groups: unknown[] };
    const cr = parse(await readFile(join(deploy, "monitoring/prometheus-rule.yaml"), "utf8")) as { spec: { groups: unknown[] } };
    expect(cr.spec.groups).toEqual(plain.groups);
  });

  describe.skipIf(!promtool)("promtool (needs Debian's prometheus package)", () => {
    let scratch: string;
    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), "horizon-rules-"));
    });
    afterAll(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    it("passes the unit tests: each alert fires on failure and stays quiet when healthy", async () => {
      const result = await runTool(promtool as string, ["test", "rules", "deploy/monitoring/tests/blessed-horizon.rules.test.yaml"], repoRoot);
      expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
      expect(result.exitCode).toBe(0);
    });

    it("fails the unit tests when the error-ratio threshold is loosened (the tests can fail)", async () => {
      await cp(join(deploy, "monitoring"), join(scratch, "monitoring"), { recursive: true });
      const rules = join(scratch, "monitoring/rules/blessed-horizon.rules.yaml");
      await writeFile(rules, (await readFile(rules, "utf8")).replace(") > 0.05", ") > 0.2"));
      const result = await runTool(promtool as string, ["test", "rules", "monitoring/tests/blessed-horizon.rules.test.yaml"], scratch);
      expect(result.exitCode).toBe(1);
      expect(result.stdout + result.stderr).toMatch(/alertname: HighErrorRate/);
    });
  });
});
