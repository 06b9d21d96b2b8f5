import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The boundaries of issue 16 as eslint.config.js keeps them: each violation is planted as one file (its text
// linted as if it stood at that path in the repository) and ESLint, with the repository's own config, must
// refuse it; the same file with an allowed import must pass.
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

const BOUNDARY_RULES = new Set(["no-restricted-imports", "no-restricted-syntax", "@typescript-eslint/no-non-null-assertion"]);
const eslint = new ESLint({
  cwd: REPO,
  // These rules read the syntax only: no TypeScript program is built, so each file lints in milliseconds.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => BOUNDARY_RULES.has(ruleId),
});

/** The problems ESLint reports for `code` planted at `path`, as "rule: message". */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const planted = 1;\n`, { filePath: join(REPO, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

const HORIZON = "packages/horizon/src";

describe("eslint.config.js boundaries", () => {
  it("refuses a service importing another service, by package name or by path, and lets it import the kit", async () => {
    const file = "services/payment-service/src/planted.ts";
    expect(await lint(file, 'import { buildApp } from "@blessed-horizon/campaign-service";')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*services never import another service/),
    ]);
    expect(await lint(file, 'import { buildApp } from "../../campaign-service/src/app.js";')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*services never import another service/),
    ]);
    expect(await lint(file, 'const app = await import("../../trust-service/src/app.js");')).toEqual([
      expect.stringMatching(/^no-restricted-syntax: services never import another service/),
    ]);
    expect(await lint(file, 'import { runMain } from "@blessed-horizon/service-kit";\nimport { x } from "./payment-service.js";')).toEqual([]);
  });

  it("refuses horizon (any package) importing a service", async () => {
    for (const code of [
      'import { buildApp } from "@blessed-horizon/trust-service";',
      'import { buildApp } from "../../../../services/trust-service/src/app.js";',
    ]) {
      expect(await lint(`${HORIZON}/validate/planted.ts`, code)).toEqual([expect.stringMatching(/^no-restricted-imports: .*packages never import a service/)]);
    }
    expect(await lint("packages/service-kit/src/planted.ts", 'import "@blessed-horizon/campaign-service/app";')).toHaveLength(1);
    expect(await lint(`${HORIZON}/validate/planted.ts`, 'import { EventSchemas } from "@blessed-horizon/contracts";')).toEqual([]);
  });

  it("refuses core/ importing node:fs, node:child_process or io/, statically or with import()", async () => {
    const file = `${HORIZON}/core/planted.ts`;
    for (const code of [
      'import { readFileSync } from "node:fs";',
      'import { readFile } from "node:fs/promises";',
      'import { readFileSync } from "fs";',
      'import { spawn } from "node:child_process";',
      'import { gitText } from "../io/git.js";',
      'export { runProcess } from "../io/process.js";',
      'const { readFileSync } = await import("node:fs");',
    ]) {
      expect(await lint(file, code), code).toEqual([expect.stringMatching(/^no-restricted-(imports|syntax): .*core\/ is pure/)]);
    }
    // The pure model of a manifest, and node:path, are fine; so is fs in core's tests, and fs outside core.
    expect(await lint(file, 'import { imageOf } from "../gitops/service-manifest.js";\nimport { posix } from "node:path";')).toEqual([]);
    expect(await lint(`${HORIZON}/core/planted.test.ts`, 'import { readFileSync } from "node:fs";')).toEqual([]);
    expect(await lint(`${HORIZON}/gitops/planted.ts`, 'import { readFileSync } from "node:fs";')).toEqual([]);
  });

  it("refuses node:child_process anywhere in horizon's src but io/process.ts (every process goes through it; io/git.ts too)", async () => {
    for (const path of [`${HORIZON}/validate/planted.ts`, `${HORIZON}/commands/scan/planted.ts`, `${HORIZON}/commands/planted.ts`, `${HORIZON}/pipeline/stages/planted.ts`, `${HORIZON}/io/git.ts`]) {
      expect(await lint(path, 'import { execFile } from "node:child_process";'), path).toEqual([expect.stringMatching(/^no-restricted-imports: .*through src\/io\/process\.ts only/)]);
    }
    expect(await lint(`${HORIZON}/io/process.ts`, 'import { execFile } from "node:child_process";')).toEqual([]);
    expect(await lint(`${HORIZON}/validate/planted.ts`, 'import { runTool } from "../io/process.js";')).toEqual([]);
  });

  it("refuses a command importing another command; shared/, cli-support and its own folder are fine, and so is pipeline/", async () => {
    const file = `${HORIZON}/commands/plan/planted.ts`;
    for (const code of [
      'import { runSetImage } from "../release/set-image.js";',
      'import type { ChangedOptions } from "../changed/index.js";',
      'import { runReport } from "../../commands/report/index.js";',
      'const { runDora } = await import("../dora/index.js");',
    ]) {
      expect(await lint(file, code), code).toEqual([expect.stringMatching(/^no-restricted-(imports|syntax): .*a command imports no other command/)]);
    }
    expect(await lint(`${HORIZON}/commands/shared/planted.ts`, 'import { runGate } from "../gate/index.js";')).toHaveLength(1);
    expect(await lint(`${HORIZON}/commands/planted.ts`, 'import { applyPlan } from "./release/shared.js";')).toHaveLength(1);
    expect(
      await lint(
        file,
        'import { resolveCommit } from "../shared/git-range.js";\nimport type { CommandContext } from "../cli-support.js";\nimport { runPlan } from "./index.js";\nimport { gitText } from "../../io/git.js";\nconst m = await import("./command.js");',
      ),
    ).toEqual([]);
    expect(await lint(`${HORIZON}/pipeline/stages/planted.ts`, 'import { runSetImage } from "../../commands/release/set-image.js";')).toEqual([]);
  });

  it("refuses a non-null assertion in src, not in tests", async () => {
    const code = "const first = [1, 2].find((n) => n > 1)!;\nvoid first;";
    expect(await lint(`${HORIZON}/gitops/planted.ts`, code)).toEqual([expect.stringMatching(/^@typescript-eslint\/no-non-null-assertion: /)]);
    expect(await lint("services/trust-service/src/planted.ts", code)).toHaveLength(1);
    expect(await lint(`${HORIZON}/gitops/planted.test.ts`, code)).toEqual([]);
  });
});
