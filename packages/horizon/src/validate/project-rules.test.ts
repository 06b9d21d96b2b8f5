import { describe, expect, it } from "vitest";
import { destinationPermitted, groupKindPermitted } from "./project-rules.js";

// Cases from argoproj/argo-cd v3.5.1 pkg/apis/application/v1alpha1/types_test.go
// (TestAppProject_IsGroupKindPermitted, TestAppProject_IsDestinationPermitted,
// TestAppProject_IsNegatedDestinationPermitted): the AppProject logic of
// app_project_types.go that project-rules.ts ports.
const project = (spec: Record<string, unknown>): Record<string, unknown> => ({ spec });
const K8S = "https://kubernetes.default.svc";

describe("groupKindPermitted (Argo CD IsGroupKindNamePermitted)", () => {
  it("an empty namespaced whitelist permits nothing; the blacklist wins", () => {
    const p = project({ namespaceResourceWhitelist: [], namespaceResourceBlacklist: [{ group: "apps", kind: "Deployment" }] });
    expect(groupKindPermitted(p, { group: "apps", kind: "ReplicaSet" }, "", true)).toBe(false);
    expect(groupKindPermitted(p, { group: "apps", kind: "Deployment" }, "", true)).toBe(false);
  });

  it("a namespaced whitelist permits what it lists only", () => {
    const p = project({ namespaceResourceWhitelist: [{ group: "apps", kind: "ReplicaSet" }], namespaceResourceBlacklist: [{ group: "apps", kind: "Deployment" }] });
    expect(groupKindPermitted(p, { group: "apps", kind: "ReplicaSet" }, "", true)).toBe(true);
    expect(groupKindPermitted(p, { group: "apps", kind: "Action" }, "", true)).toBe(false);
  });

  it("no whitelists at all: every namespaced kind, no cluster-scoped one", () => {
    const p = project({});
    expect(groupKindPermitted(p, { group: "", kind: "Namespace" }, "", false)).toBe(false);
    expect(groupKindPermitted(p, { group: "apps", kind: "Action" }, "", true)).toBe(true);
  });

  it("wildcards on both lists: the cluster blacklist wins", () => {
    const p = project({ clusterResourceWhitelist: [{ group: "*", kind: "*" }], clusterResourceBlacklist: [{ group: "*", kind: "*" }] });
    expect(groupKindPermitted(p, { group: "", kind: "Namespace" }, "", false)).toBe(false);
    expect(groupKindPermitted(p, { group: "apps", kind: "Action" }, "", true)).toBe(true);
  });

  it("a cluster whitelist entry with a name pattern permits matching names only", () => {
    const p = project({ clusterResourceWhitelist: [{ group: "", kind: "Namespace", name: "team1-*" }] });
    expect(groupKindPermitted(p, { group: "", kind: "Namespace" }, "other-namespace", false)).toBe(false);
    expect(groupKindPermitted(p, { group: "", kind: "Namespace" }, "team1-namespace", false)).toBe(true);
  });

  it("the group is part of the key: a PrometheusRule is not a core-group kind", () => {
    const p = project({ namespaceResourceWhitelist: [{ group: "", kind: "PrometheusRule" }] });
    expect(groupKindPermitted(p, { group: "monitoring.coreos.com", kind: "PrometheusRule" }, "", true)).toBe(false);
  });
});

describe("destinationPermitted (Argo CD isDestinationMatched)", () => {
  const cases: [name: string, destinations: Record<string, string>[], dst: { server?: string; name?: string; namespace: string }, permitted: boolean][] = [
    ["server and namespace match", [{ server: K8S, namespace: "default" }], { server: K8S, namespace: "default" }, true],
    ["namespace does not match", [{ server: K8S, namespace: "default" }], { server: K8S, namespace: "kube-system" }, false],
    ["server does not match", [{ server: "https://my-cluster", namespace: "default" }], { server: K8S, namespace: "default" }, false],
    ["wildcard namespace", [{ server: K8S, namespace: "*" }], { server: K8S, namespace: "kube-system" }, true],
    ["wildcard server", [{ server: "https://*.default.svc", namespace: "default" }], { server: K8S, namespace: "default" }, true],
    ["wildcard namespace with prefix", [{ server: K8S, namespace: "test-*" }], { server: K8S, namespace: "test-foo" }, true],
    ["wildcard namespace without prefix", [{ server: K8S, namespace: "test-*" }], { server: K8S, namespace: "test" }, false],
    ["by cluster name", [{ server: "", namespace: "*", name: "test" }], { name: "test", namespace: "test" }, true],
    ["negated server", [{ server: `!${K8S}`, namespace: "default" }], { server: K8S, namespace: "default" }, false],
    ["negated namespace, other namespace", [{ server: K8S, namespace: "!default" }], { server: K8S, namespace: "kube-system" }, true],
    ["negated other server", [{ server: "!https://my-cluster", namespace: "default" }], { server: K8S, namespace: "default" }, true],
    ["negated namespace pattern", [{ server: K8S, namespace: "!test-*" }], { server: K8S, namespace: "test-foo" }, false],
    ["negated name", [{ server: "", namespace: "*", name: "!test" }], { name: "test", namespace: "test" }, false],
    ["a deny entry overrides an allow-all", [{ server: "*", namespace: "*" }, { server: "*", namespace: "!kube-system" }], { server: K8S, namespace: "kube-system" }, false],
    [
      "allow-all with a denied server namespace, other namespace",
      [{ server: "*", namespace: "*" }, { server: `!${K8S}`, namespace: "kube-system" }, { server: "*", namespace: "!kube-system" }],
      { server: K8S, namespace: "default" },
      true,
    ],
  ];
  for (const [name, destinations, dst, permitted] of cases) {
    it(`${name}: ${permitted ? "permitted" : "refused"}`, () => {
      expect(destinationPermitted(project({ destinations }), { server: dst.server ?? "", name: dst.name ?? "", namespace: dst.namespace })).toBe(permitted);
    });
  }
});
