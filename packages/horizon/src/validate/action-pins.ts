import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

/** `uses:` of a step or a reusable-workflow job, quoted or not, before any comment. */
const USES = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?/;
const FULL_SHA = /@[0-9a-f]{40}$/;

/**
 * Every remote action or reusable workflow a workflow uses by tag or branch
 * instead of a full commit SHA; local actions (`./...`) and container images
 * (`docker://...`) are not refs that can move this way.
 */
export function unpinnedActions(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  source.split("\n").forEach((line, index) => {
    const ref = USES.exec(line)?.[1];
    if (ref === undefined || ref.startsWith("./") || ref.startsWith("docker://") || FULL_SHA.test(ref)) return;
    const [name = ref, version = "a version"] = ref.split("@");
    findings.push(finding(file, index + 1, "pinning", `${ref}: pin the action to the full commit SHA of its release (a tag or branch can be moved), e.g. ${name}@<40-hex sha> # ${version}`));
  });
  return findings;
}
