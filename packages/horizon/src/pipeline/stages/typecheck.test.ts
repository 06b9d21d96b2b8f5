import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeAll, tempDir } from "../../../test/fixtures/manifests-helpers/repo.js";
import { newPipelineState } from "../state.js";
import { typecheckStage } from "./checks.js";

/**
 * The typecheck stage keeps tsc's incremental build info between runs
 * (.horizon/cache). A re-run must still fail on a change that breaks a file
 * which did not itself change: tsc re-checks the files whose types depend on
 * a changed one (TypeScript's builder: changed file signatures propagate to
 * their importers).
 */
const REPO_NODE_MODULES = resolve(fileURLToPath(new URL("../../../../../", import.meta.url)), "node_modules");
const dirs: string[] = [];
afterAll(() => removeAll(...dirs));

function project(): string {
  const root = tempDir("typecheck");
  dirs.push(root);
  symlinkSync(REPO_NODE_MODULES, join(root, "node_modules"), "dir");
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "tc", private: true, type: "module", scripts: { typecheck: "tsc -p tsconfig.json --noEmit" } }));
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2023", types: [] }, include: ["src"] }));
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "src/money.ts"), "export type Cents = number;\n");
  writeFileSync(join(root, "src/donation.ts"), 'import type { Cents } from "./money.js";\nexport const fee: Cents = 103;\n');
  return root;
}

const run = (root: string) => {
  const state = newPipelineState(["s"]);
  state.services = ["s"];
  return typecheckStage(state).run({ runDir: root, root, logFile: join(root, "typecheck.log"), progress: () => undefined });
};

describe("the typecheck stage, incremental between runs", () => {
  it("fails on a re-run when a change breaks an unchanged importer", async () => {
    const root = project();
    expect((await run(root)).status).toBe("passed");
    expect((await run(root)).status).toBe("passed");
    // Only money.ts changes; donation.ts, unchanged, no longer type-checks.
    writeFileSync(join(root, "src/money.ts"), "export type Cents = string;\n");
    const broken = await run(root);
    expect(broken.status).toBe("failed");
    expect(broken.summary).toContain("donation.ts");
  }, 60_000);
});
