import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { checkFlagText } from "../gitops/flags-rules.js";
import { finding, type Finding } from "./findings.js";

/**
 * Every environment's flag file (`<deploy>/environments/<env>/flags.flagd.json`): flagd-core's own parser with
 * strict schema validation plus the rules of flagd's schema that JSON Schema cannot say (gitops/flags-rules.ts),
 * each problem at its line with its JSON pointer. An environment without a flag file has no flags: nothing to check.
 */
export function checkFlagFiles(root: string, deployDir: string): { findings: Finding[]; files: number } {
  const envDir = join(root, deployDir, "environments");
  if (!existsSync(envDir)) return { findings: [], files: 0 };
  const findings: Finding[] = [];
  let files = 0;
  for (const env of readdirSync(envDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const file = posix.join(deployDir, "environments", env, "flags.flagd.json");
    const path = join(root, file);
    if (!existsSync(path)) continue;
    files++;
    for (const p of checkFlagText(readFileSync(path, "utf8"))) findings.push(finding(file, p.line, "flags", `${p.pointer || "/"}: ${p.message}`));
  }
  return { findings, files };
}
