import { at, ofKind } from "./cluster-view.js";
import type { ClusterView, RenderedObject } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { objectLabel } from "./source-index.js";

/** The VirtualService Flagger's Istio router makes of a Canary: its hosts, gateways and the match of its one HTTP route. */
interface GeneratedVirtualService {
  canary: RenderedObject;
  apex: string;
  hosts: string[];
  gateways: string[];
  match: unknown[];
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/**
 * fluxcd/flagger v1.44.0 pkg/router/istio.go reconcileVirtualService: hosts
 * are spec.service.hosts plus the apex Service name (unless it or "*" is
 * there); gateways are spec.service.gateways, or ["mesh"] when none is given;
 * the one HTTP route carries spec.service.match (with analysis.match, a second
 * route carries it too). A delegate (spec.service.delegation) has neither
 * hosts nor gateways. The apex name is spec.service.name, else the target's
 * (pkg/apis/flagger/v1beta1/canary.go GetServiceNames).
 */
function generatedVirtualService(canary: RenderedObject): GeneratedVirtualService | undefined {
  const provider = at(canary.object, ["spec", "provider"]);
  if (provider !== undefined && provider !== "istio") return undefined;
  if (at(canary.object, ["spec", "service", "delegation"]) === true) return undefined;
  const name = at(canary.object, ["spec", "service", "name"]);
  const apex = typeof name === "string" && name !== "" ? name : String(at(canary.object, ["spec", "targetRef", "name"]));
  const hosts = strings(at(canary.object, ["spec", "service", "hosts"]));
  if (!hosts.some((h) => h === apex || h === "*")) hosts.push(apex);
  const given = strings(at(canary.object, ["spec", "service", "gateways"]));
  const gateways = given.length === 0 ? ["mesh"] : given;
  const match = at(canary.object, ["spec", "service", "match"]);
  return { canary, apex, hosts, gateways, match: Array.isArray(match) ? match : [] };
}

/** A VirtualService host as Istio resolves it: a short name is a Service in the VirtualService's namespace. */
const fqdn = (host: string, namespace: string): string => (host.includes(".") || host === "*" ? host : `${host}.${namespace}.svc.cluster.local`);

/**
 * Routing of the VirtualServices Flagger generates:
 * - no two Canaries put the same host on the `mesh` gateway (Istio's analyzer
 *   IST0109 ConflictingMeshGatewayVirtualServiceHosts: sidecars then pick one
 *   VirtualService's routes, undefined which); Istio merges VirtualServices of
 *   one host only on an ingress gateway (Flagger's FAQ, "multiple canaries on
 *   the same external domain");
 * - a Canary on the `mesh` gateway has no spec.service.match: its only route
 *   carries it, so an in-mesh call to the Service's own name outside the
 *   match finds no route and Envoy answers 404 (NR).
 */
export function routingFindings(view: ClusterView): Finding[] {
  const services = ofKind(view, "Canary").flatMap((c) => generatedVirtualService(c) ?? []);
  const findings: Finding[] = [];
  const onMesh = new Map<string, GeneratedVirtualService[]>();
  for (const vs of services.filter((s) => s.gateways.includes("mesh"))) {
    for (const host of vs.hosts) {
      const key = fqdn(host, vs.canary.namespace ?? "default");
      const holders = onMesh.get(key) ?? [];
      if (!holders.some((h) => h.canary.namespace === vs.canary.namespace && h.apex === vs.apex)) onMesh.set(key, [...holders, vs]);
    }
    if (vs.match.length > 0) {
      const source = view.sources.locate(vs.canary.object, vs.canary.target);
      findings.push(
        finding(
          source.file,
          source.lineOf(["spec", "service", "match"]),
          "routing",
          `${objectLabel(vs.canary.object)}: /spec/service/match restricts the only route of the VirtualService Flagger generates, which is also bound to the mesh gateway: in-mesh calls to http://${vs.apex} that the match does not cover find no route (404). Bind the public host to the ingress gateway only (no mesh in /spec/service/gateways), or drop the match`,
        ),
      );
    }
  }
  for (const [host, holders] of onMesh) {
    if (holders.length < 2) continue;
    for (const vs of holders) {
      const others = holders.filter((h) => h !== vs).map((h) => `${objectLabel(h.canary.object)} (${h.canary.namespace ?? "default"})`).sort().join(", ");
      const source = view.sources.locate(vs.canary.object, vs.canary.target);
      findings.push(
        finding(
          source.file,
          source.lineOf(["spec", "service", "gateways"]),
          "routing",
          `${objectLabel(vs.canary.object)} (${vs.canary.namespace ?? "default"}): binds host ${host} to the mesh gateway, as ${others} does (Istio IST0109, conflicting mesh gateway hosts: sidecars use one VirtualService's routes, which one is undefined). Bind a shared public host to the ingress gateway only`,
        ),
      );
    }
  }
  return findings;
}
