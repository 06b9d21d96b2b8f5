import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "yaml";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { isYaml, listFiles } from "./files.js";
import { runTool, toolMessage } from "../io/process.js";
import { parseYamlWithLines } from "./yaml-locate.js";

interface RuleGroup {
  name?: unknown;
}

/** promtool's `file: line:col: message` and `line N: message` errors as findings on `file`. */
function parsePromtoolErrors(output: string, file: string, lineOffset = 0): Finding[] {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const raw of output.split("\n")) {
    const located = /^\S+?: (\d+):\d+: (.*)$/.exec(raw.trim()) ?? /^line (\d+): (.*)$/.exec(raw.trim());
    if (!located || seen.has(raw.trim())) continue;
    seen.add(raw.trim());
    findings.push(finding(file, Number(located[1]) + lineOffset, "promtool", located[2] ?? raw));
  }
  if (findings.length === 0 && output.trim()) findings.push(finding(file, 1, "promtool", toolMessage(output)));
  return findings;
}

async function checkRuleFile(promtool: string, root: string, file: string): Promise<Finding[]> {
  const result = await runTool(promtool, ["check", "rules", file], root);
  return result.exitCode === 0 ? [] : parsePromtoolErrors(`${result.stderr}\n${result.stdout}`, file);
}

interface PrometheusRuleDoc {
  file: string;
  line: number;
  groupsLine: number;
  groups: RuleGroup[];
}

async function prometheusRules(root: string, files: readonly string[]): Promise<PrometheusRuleDoc[]> {
  const out: PrometheusRuleDoc[] = [];
  for (const file of files) {
    for (const doc of parseYamlWithLines(await readFile(join(root, file), "utf8")).documents) {
      const value = doc.value as { kind?: unknown; spec?: { groups?: unknown } } | null;
      if (value?.kind !== "PrometheusRule" || !Array.isArray(value.spec?.groups)) continue;
      out.push({ file, line: doc.line, groupsLine: doc.lineOf(["spec", "groups"]), groups: value.spec.groups as RuleGroup[] });
    }
  }
  return out;
}

/**
 * Alert rules as Prometheus reads them: `promtool check rules` on the plain
 * rule files and on each PrometheusRule's groups, `promtool test rules` on the
 * unit tests, and each PrometheusRule group identical to the tested group of
 * the same name (the promtool tests only prove what they read).
 */
export async function checkAlertRules(root: string, dir: string, promtool: string | undefined): Promise<{ findings: Finding[]; files: number; skipped: string[] }> {
  const files = await listFiles(root, dir, isYaml);
  const findings: Finding[] = [];
  const ruleFiles: string[] = [];
  const testFiles: string[] = [];
  const tested = new Map<string, unknown>();
  for (const file of files) {
    let value: unknown;
    try {
      value = parse(await readFile(join(root, file), "utf8"));
    } catch {
      continue; // a YAML syntax error is reported by the manifest check
    }
    const doc = value as { groups?: unknown; tests?: unknown; kind?: unknown } | null;
    if (doc && Array.isArray(doc.groups) && doc.kind === undefined) {
      ruleFiles.push(file);
      for (const group of doc.groups as RuleGroup[]) if (typeof group.name === "string") tested.set(group.name, group);
    } else if (doc && Array.isArray(doc.tests)) testFiles.push(file);
  }
  const crs = await prometheusRules(root, files);
  for (const cr of crs) {
    for (const group of cr.groups) {
      const name = typeof group.name === "string" ? group.name : "(unnamed)";
      const plain = tested.get(name);
      if (plain === undefined) findings.push(finding(cr.file, cr.groupsLine, "rules", `PrometheusRule group "${name}" is in no plain rule file, so no promtool test covers it`));
      else if (!isDeepStrictEqual(plain, group)) findings.push(finding(cr.file, cr.groupsLine, "rules", `PrometheusRule group "${name}" differs from the tested group in the plain rule file`));
    }
  }
  if (!promtool) return { findings, files: ruleFiles.length + crs.length, skipped: ["promtool not found: alert rules not compiled or unit-tested (apt-get install prometheus)"] };
  for (const file of ruleFiles) findings.push(...(await checkRuleFile(promtool, root, file)));
  const scratch = await mkdtemp(join(tmpdir(), "horizon-rules-"));
  try {
    for (const cr of crs) {
      const temporary = join(scratch, "groups.yaml");
      await writeFile(temporary, stringify({ groups: cr.groups }));
      const result = await runTool(promtool, ["check", "rules", temporary], root);
      if (result.exitCode !== 0) {
        for (const f of parsePromtoolErrors(`${result.stderr}\n${result.stdout}`, cr.file)) findings.push({ ...f, line: cr.groupsLine });
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  for (const file of testFiles) {
    const result = await runTool(promtool, ["test", "rules", file], root);
    if (result.exitCode !== 0) findings.push(finding(file, 1, "promtool", `promtool test rules failed: ${toolMessage(result.stderr || result.stdout)}`));
  }
  return { findings, files: ruleFiles.length + crs.length + testFiles.length, skipped: [] };
}
