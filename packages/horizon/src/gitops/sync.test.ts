import { describe, expect, it } from "vitest";
import { planSync } from "./sync.js";

/** The ownership rule of CONTRACTS.md ("Who owns what in the manifests repo"), as planSync applies it. */
const kustomization = (tag: string, version: string, replicas: number) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../base/payment-service
labels:
  - pairs:
      app.kubernetes.io/version: "${version}"
replicas:
  - name: payment-service
    count: ${replicas}
images:
  - name: ghcr.io/blessed-horizon/payment-service
    newTag: "${tag}"
`;
const path = "environments/production/payment-service/kustomization.yaml";

describe("planSync", () => {
  it("takes deploy/'s settings and keeps the manifests repo's image and promoted version label", () => {
    const plan = planSync(new Map([[path, kustomization("0.1.0", "0.1.0", 5)]]), new Map([[path, kustomization("sha-abc1234", "1.4.0", 3)]]));
    expect(plan.edits).toEqual([{ path, before: kustomization("sha-abc1234", "1.4.0", 3), after: kustomization("sha-abc1234", "1.4.0", 5) }]);
  });

  it("changes nothing when deploy/ differs only in what the manifests repo owns", () => {
    const plan = planSync(new Map([[path, kustomization("0.1.0", "0.1.0", 3)]]), new Map([[path, kustomization("sha-abc1234", "1.4.0", 3)]]));
    expect(plan).toEqual({ edits: [], deletions: [] });
  });

  it("keeps holds, the promotion policy and flag files once the manifests repo has them, and copies them when it has not", () => {
    const deploy = new Map([
      ["holds.yaml", "holds: []\n"],
      ["promotion-policy.yaml", "timezone: UTC\n"],
      ["environments/staging/flags.flagd.json", '{"flags":{}}\n'],
      ["environments/development/flags.flagd.json", '{"flags":{}}\n'],
    ]);
    const manifests = new Map([
      ["holds.yaml", "holds:\n  - image: x\n"],
      ["promotion-policy.yaml", "timezone: Europe/Berlin\n"],
      ["environments/staging/flags.flagd.json", '{"flags":{"new-checkout":{}}}\n'],
    ]);
    expect(planSync(deploy, manifests)).toEqual({ edits: [{ path: "environments/development/flags.flagd.json", after: '{"flags":{}}\n' }], deletions: [] });
  });

  it("removes what deploy/ removed, except files the manifests repo owns", () => {
    const plan = planSync(new Map(), new Map([["base/old/service.yaml", "kind: Service\n"], ["holds.yaml", "holds: []\n"]]));
    expect(plan).toEqual({ edits: [], deletions: ["base/old/service.yaml"] });
  });
});
