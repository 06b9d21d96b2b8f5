/** An API version the cluster's API server (or an operator's CRDs) no longer serves, and what replaced it. */
interface Retired {
  by: string;
  since: string;
  use: string;
  /** Only these kinds of the version are retired; every kind when absent. */
  kinds?: readonly string[];
}

/**
 * Versions a current cluster refuses ("no matches for kind ... in version ..."),
 * so the first sync fails however valid the object is against its old schema.
 * From each project's release notes and the Kubernetes deprecated API migration guide.
 */
const RETIRED: Record<string, Retired> = {
  "external-secrets.io/v1beta1": { by: "the External Secrets Operator", since: "v0.17.0", use: "external-secrets.io/v1" },
  "extensions/v1beta1": { by: "Kubernetes", since: "1.22", use: "apps/v1 or networking.k8s.io/v1" },
  "apps/v1beta1": { by: "Kubernetes", since: "1.16", use: "apps/v1" },
  "apps/v1beta2": { by: "Kubernetes", since: "1.16", use: "apps/v1" },
  "networking.k8s.io/v1beta1": { by: "Kubernetes", since: "1.22", use: "networking.k8s.io/v1", kinds: ["Ingress", "IngressClass"] },
  "batch/v1beta1": { by: "Kubernetes", since: "1.25", use: "batch/v1", kinds: ["CronJob"] },
  "policy/v1beta1": { by: "Kubernetes", since: "1.25", use: "policy/v1", kinds: ["PodDisruptionBudget"] },
  "autoscaling/v2beta1": { by: "Kubernetes", since: "1.25", use: "autoscaling/v2" },
  "autoscaling/v2beta2": { by: "Kubernetes", since: "1.26", use: "autoscaling/v2" },
};

/** Why `apiVersion` `kind` is not served any more, or undefined when it is. */
export function retiredVersion(apiVersion: string, kind: string): string | undefined {
  const retired = RETIRED[apiVersion];
  if (!retired || (retired.kinds && !retired.kinds.includes(kind))) return undefined;
  return `${apiVersion} is not served by ${retired.by} since ${retired.since}: use ${retired.use}`;
}
