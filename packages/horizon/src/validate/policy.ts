import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { parsePolicy, POLICY_FILE } from "../core/policy.js";
import { finding, type Finding } from "./findings.js";

/**
 * `<deploy>/promotion-policy.yaml`, the initial copy of the promotion policy: the same strict parse
 * `horizon release promote` applies, and every environment it names exists under environments/.
 */
export function checkPromotionPolicy(root: string, deployDir: string): { findings: Finding[]; files: number } {
  const file = posix.join(deployDir, POLICY_FILE);
  const path = join(root, file);
  if (!existsSync(path)) return { findings: [], files: 0 };
  let policy;
  try {
    policy = parsePolicy(readFileSync(path, "utf8"), file);
  } catch (error) {
    return { findings: [finding(file, 1, "policy", error instanceof Error ? error.message : String(error))], files: 1 };
  }
  const envDir = join(root, deployDir, "environments");
  const known = existsSync(envDir) ? readdirSync(envDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
  const findings = Object.keys(policy.environments)
    .filter((env) => !known.includes(env))
    .map((env) => finding(file, 1, "policy", `environments.${env}: no such environment under ${posix.join(deployDir, "environments")} (known: ${known.join(", ") || "none"})`));
  return { findings, files: 1 };
}
