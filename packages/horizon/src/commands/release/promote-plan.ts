import type { Blocker } from "../../core/policy-check.js";
import type { ReleasePlan } from "../../core/release-plan.js";
import type { RenderedDiff } from "../../gitops/rendered-diff.js";

/** What `horizon release promote --dry-run` shows, and the promote workflow's pull request body. */
export interface PromotionPreview {
  from: string;
  to: string;
  plan: ReleasePlan | undefined;
  blockers: Blocker[];
  /** Services left out because their image is on hold in the target (a hold blocks only its own service). */
  held: Array<{ service: string; image: string }>;
  /** Per moving service: the gate verdict recorded with its image, if any. */
  gates: ReadonlyMap<string, string>;
  rendered?: RenderedDiff;
  /** Why there is no rendered diff (kubectl absent, say). */
  renderNote?: string;
}

const short = (sha: string | undefined): string => (sha ? sha.slice(0, 12) : "not recorded");

export function formatPromotionPlan(p: PromotionPreview): string {
  const out = [`## Promotion plan: ${p.from} -> ${p.to}`, ""];
  const services = p.plan?.release.services ?? [];
  if (services.length === 0) out.push(`Nothing moves: ${p.to} already runs what ${p.from} runs.`, "");
  else {
    out.push("| Service | Now | After | Source commit | Gates |", "|---|---|---|---|---|");
    for (const s of services) {
      const source = s.sourceCommit ? `${short(s.sourceCommit)}${s.sourceTime ? ` (${s.sourceTime})` : ""}` : "not recorded";
      out.push(`| ${s.service} | \`${s.previousImage ?? "?"}\` | \`${s.image}\` | ${source} | ${p.gates.get(s.service) ?? "not recorded"} |`);
    }
    out.push("");
  }
  for (const h of p.held) out.push(`- skipped ${h.service}: \`${h.image}\` is on hold in ${p.to} (lift it with horizon release unhold)`);
  if (p.held.length > 0) out.push("");
  if (p.blockers.length === 0) out.push("**Policy:** allowed now (promotion-policy.yaml: not frozen, inside a window, soak met).", "");
  else out.push("**Policy:** refused now (promotion-policy.yaml):", ...p.blockers.map((b) => `- ${b.message}`), "");
  if (p.rendered) {
    out.push(`### What changes in the cluster (kubectl kustomize environments/${p.to})`, "");
    if (p.rendered.changes.length === 0) out.push("No rendered object changes.");
    else {
      out.push(...p.rendered.changes.map((c) => `- ${c.object} (${c.change})`), "", "```diff", p.rendered.diff.trimEnd(), "```");
    }
    out.push("");
  } else if (p.renderNote) out.push(`_Rendered diff not shown: ${p.renderNote}._`, "");
  if (p.plan) out.push("### Commit", "", "```", p.plan.message.trimEnd(), "```", "");
  return `${out.join("\n")}`;
}
