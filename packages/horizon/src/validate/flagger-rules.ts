import { at, isObject, ofKind } from "./cluster-view.js";
import type { ClusterView } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { objectLabel } from "./source-index.js";

/** The Service and namespace a cluster-internal host names: `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`. */
function serviceOf(host: string): { service: string; namespace: string } | undefined {
  const parts = host.split(".");
  const [service, namespace] = parts;
  if (!service || !namespace) return undefined;
  if (parts.length === 2 || parts[2] === "svc") return { service, namespace };
  return undefined;
}

const isIp = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(":");

/**
 * Flagger's controller calls every webhook of a Canary itself, from its own
 * namespace (istio-system with the Istio provider), so a bare Service name
 * resolves there, not in the Canary's namespace. A namespace-qualified URL
 * into a namespace deploy/ renders must reach a Service deploy/ puts there.
 */
export function webhookFindings(view: ClusterView): Finding[] {
  const services = new Set(ofKind(view, "Service").map((s) => `${String(at(s.object, ["metadata", "name"]))}.${s.namespace ?? "default"}`));
  const findings: Finding[] = [];
  for (const canary of ofKind(view, "Canary")) {
    const webhooks = at(canary.object, ["spec", "analysis", "webhooks"]);
    if (!Array.isArray(webhooks)) continue;
    webhooks.forEach((webhook, i) => {
      const url = isObject(webhook) ? webhook.url : undefined;
      if (typeof url !== "string") return;
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        return; // the schema says what is wrong with it
      }
      const path = ["spec", "analysis", "webhooks", i, "url"];
      const source = view.sources.locate(canary.object, canary.target);
      const field = `${objectLabel(canary.object)}: /${path.join("/")} ${url}`;
      if (!host.includes(".") && !isIp(host) && host !== "localhost") {
        findings.push(
          finding(source.file, source.lineOf(path), "flagger", `${field} is not namespace-qualified: Flagger's controller POSTs it from its own namespace (istio-system), where ${host} does not resolve; use http://${host}.<namespace>/`),
        );
        return;
      }
      const target = serviceOf(host);
      if (target && !services.has(`${target.service}.${target.namespace}`)) {
        findings.push(finding(source.file, source.lineOf(path), "flagger", `${field} (in ${canary.namespace ?? "default"}): no Service ${target.service} is deployed in namespace ${target.namespace}`));
      }
    });
  }
  return findings;
}
