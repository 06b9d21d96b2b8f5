import { posix } from "node:path";
import { alertFindings } from "./alert-rules.js";
import { clusterView } from "./cluster-view.js";
import { deliveryFindings } from "./delivered-folders.js";
import { formatFinding } from "./findings.js";
import type { Finding } from "./findings.js";
import type { RenderedTarget } from "./kustomize.js";
import { projectFindings } from "./project-rules.js";
import { routingFindings } from "./routing-rules.js";
import { SourceIndex } from "./source-index.js";

/**
 * Whether what deploy/ validates reaches the cluster and works there: every
 * rendered object is one its Argo CD project lets it sync, every folder is
 * delivered by an Application, Flagger's generated routing serves every
 * caller, and the alerts measure what the canary analysis measures. The same
 * problem rendered by several environments is one finding.
 */
export async function checkDeliveryRules(root: string, deployDir: string, rendered: readonly RenderedTarget[]): Promise<Finding[]> {
  const sources = await SourceIndex.read(root, deployDir, [posix.join(deployDir, "schemas")]);
  const view = clusterView(rendered, sources);
  const all = [...projectFindings(view, deployDir), ...(await deliveryFindings(root, deployDir, view)), ...routingFindings(view), ...alertFindings(view)];
  return [...new Map(all.map((f) => [formatFinding(f), f])).values()];
}
