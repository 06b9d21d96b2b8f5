import { posix } from "node:path";
import { blueGreenFindings } from "./blue-green-rules.js";
import { clusterView } from "./cluster-view.js";
import { formatFinding } from "./findings.js";
import type { Finding } from "./findings.js";
import { webhookFindings } from "./flagger-rules.js";
import { istioFindings } from "./istio-rules.js";
import type { RenderedTarget } from "./kustomize.js";
import { natsFindings } from "./nats-rules.js";
import { SourceIndex } from "./source-index.js";

/**
 * What a real cluster does with everything deploy/ renders, where no schema
 * can tell: Istio injection for Flagger's canaries and the Jobs beside them,
 * Flagger's webhook URLs as its controller resolves them, its blue/green
 * mode and mirroring (blue-green-rules.ts), and environments
 * that would share one NATS stream. A finding names the source file and
 * field to edit; the same problem rendered by several environments is one.
 */
export async function checkClusterRules(root: string, deployDir: string, rendered: readonly RenderedTarget[]): Promise<Finding[]> {
  const sources = await SourceIndex.read(root, deployDir, [posix.join(deployDir, "schemas")]);
  const view = clusterView(rendered, sources);
  const all = [...istioFindings(view), ...webhookFindings(view), ...blueGreenFindings(view), ...(await natsFindings(root, view))];
  return [...new Map(all.map((f) => [formatFinding(f), f])).values()];
}
