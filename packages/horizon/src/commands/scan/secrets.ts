import { open } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { createEngine } from "@secretlint/node";
import { z } from "zod";
import { parseJsonAs } from "../../core/json.js";
import type { ScanFinding } from "../../core/scan-sarif.js";
import { CheckFailedError, ExternalError } from "../../errors.js";
import { git, GitError } from "../../io/git.js";
import { listFiles } from "../../validate/files.js";
import { scanRoot, writeSarif } from "./shared.js";
import type { ScanContext } from "./shared.js";

export interface SecretsOptions {
  root?: string;
  sarif?: string;
  json?: boolean;
}

const MAX_BYTES = 2 * 1024 * 1024;

/** The recommended preset, with the AWS rule's access key id scan turned on (off by default: ids alone are not secret, but they are leaks). */
const CONFIG = {
  rules: [
    {
      id: "@secretlint/secretlint-rule-preset-recommend",
      rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }],
    },
  ],
};

/** Files to scan: in a git work tree, what git tracks or would add (ignored files are not); elsewhere every file. */
async function candidateFiles(root: string): Promise<string[]> {
  try {
    const { stdout } = await git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], { cwd: root });
    return [...new Set(stdout.split("\0").filter(Boolean))].sort();
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    return listFiles(root, ".", () => true);
  }
}

/** Text files only, not too large: a NUL byte in the first 8 KiB means binary. Missing files (deleted, not committed) are skipped. */
async function isScannable(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return false;
  }
  try {
    const { size } = await handle.stat();
    if (!(size > 0 && size <= MAX_BYTES)) return false;
    const head = Buffer.alloc(Math.min(size, 8192));
    await handle.read(head, 0, head.length, 0);
    return !head.includes(0);
  } finally {
    await handle.close();
  }
}

/** What secretlint's `json` formatter prints (@secretlint/formatter, its json formatter: the results of the engine), as far as horizon reads it. */
const SecretlintResultsSchema = z.array(
  z.object({
    filePath: z.string(),
    messages: z.array(
      z.object({
        ruleId: z.string(),
        message: z.string(),
        docsUrl: z.string().optional(),
        loc: z.object({ start: z.object({ line: z.number().int(), column: z.number().int() }) }),
      }),
    ),
  }),
);

/** secretlint's JSON report; one that horizon cannot read is secretlint's failure (exit 3), never "no secrets". */
export function parseSecretlintOutput(output: string): z.infer<typeof SecretlintResultsSchema> {
  const results = parseJsonAs(SecretlintResultsSchema, output);
  if ("invalid" in results) throw new ExternalError(`secretlint's report is not what horizon reads: ${results.invalid}`);
  return results.data;
}

/** `horizon scan secrets`: secretlint's recommended rules over the repository; secrets are masked in every output. */
// Loaded by a destructured await import(), which ts-unused-exports does not follow.
// ts-unused-exports:disable-next-line
export async function runScanSecrets(options: SecretsOptions, context: ScanContext): Promise<ScanFinding[]> {
  const root = scanRoot(context.cwd, options.root);
  const files: string[] = [];
  for (const file of await candidateFiles(root)) if (await isScannable(join(root, file))) files.push(file);
  let output: string;
  try {
    const engine = await createEngine({ cwd: root, formatter: "json", color: false, maskSecrets: true, configFileJSON: CONFIG });
    ({ output } = await engine.executeOnFiles({ filePathList: files.map((f) => join(root, f)) }));
  } catch (error) {
    throw new ExternalError(`secretlint failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const results = parseSecretlintOutput(output);
  const findings: ScanFinding[] = results.flatMap((r) =>
    r.messages.map((m) => ({
      ruleId: m.ruleId,
      message: m.message,
      file: (isAbsolute(r.filePath) ? relative(root, r.filePath) : r.filePath).split(sep).join("/"),
      line: m.loc.start.line,
      column: m.loc.start.column + 1,
      ...(m.docsUrl ? { helpUri: m.docsUrl } : {}),
    })),
  );
  await writeSarif(context.cwd, options.sarif, "horizon scan secrets (secretlint)", findings);
  if (options.json) context.write(`${JSON.stringify({ files: files.length, findings }, null, 2)}\n`);
  else context.write(findings.map((f) => `${f.file}:${f.line}:${f.column ?? 1}: [${f.ruleId}] ${f.message}\n`).join(""));
  context.warn(`horizon scan secrets: ${files.length} files scanned, ${findings.length} secret(s) found\n`);
  if (findings.length > 0) throw new CheckFailedError(`${findings.length} secret(s) found; remove them from the files (and from git history), then rotate them`);
  return findings;
}
