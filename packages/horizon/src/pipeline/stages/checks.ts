import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { z } from "zod";
import { readCoverage } from "../../evidence/lcov.js";
import { readTests } from "../../evidence/junit.js";
import { firstTestFailure, runLogged, runNpm, tailOfLog } from "../commands.js";
import { type PipelineState, whenAffected, whenAnyCode } from "../state.js";
import type { Stage, StageContext } from "../types.js";

/**
 * ESLint (type-checked) over every affected service and package in ONE run:
 * typed linting loads the TypeScript program once, instead of once per
 * workspace.
 */
export function lintStage(state: PipelineState): Stage {
  return {
    id: "lint",
    title: "lint",
    when: whenAnyCode(state),
    async run(ctx) {
      const report = join(ctx.runDir, "lint.json");
      const dirs = [...state.services.map((s) => `services/${s}`), ...state.packages.map((p) => `packages/${p}`)];
      const linted = [...state.services, ...state.packages].join(", ");
      const eslint = join(ctx.root, "node_modules", "eslint", "bin", "eslint.js");
      const result = await runLogged(ctx, process.execPath, [eslint, "--format", "json", "--output-file", report, ...dirs]);
      const problems = await lintProblemsByService(report, ctx.root);
      if (result.exitCode === 0) return { status: "passed", summary: `no lint errors in ${linted}`, artifacts: ["lint.json"] };
      if (!problems) return { status: "failed", summary: `eslint failed: ${await tailOfLog(ctx)}` };
      const summary = [...problems].map(([service, count]) => `${service}: ${count} error(s)`).join(", ");
      return { status: "failed", summary: `eslint: ${summary} (see lint.json)`, artifacts: ["lint.json"] };
    },
  };
}

/** What horizon reads of ESLint's `--format json` report: per file, its path and error count. */
const EslintReportSchema = z.array(z.object({ filePath: z.string(), errorCount: z.number().int().nonnegative() }));

/** Error counts per service or package from ESLint's JSON report; undefined when there is no report. */
async function lintProblemsByService(report: string, root: string): Promise<Map<string, number> | undefined> {
  let results: z.infer<typeof EslintReportSchema>;
  try {
    results = EslintReportSchema.parse(JSON.parse(await readFile(report, "utf8")));
  } catch {
    return undefined;
  }
  const counts = new Map<string, number>();
  for (const r of results) {
    if (r.errorCount === 0) continue;
    const service = relative(root, r.filePath).split(sep)[1] ?? "?";
    counts.set(service, (counts.get(service) ?? 0) + r.errorCount);
  }
  return counts;
}

export function typecheckStage(state: PipelineState): Stage {
  return {
    id: "typecheck",
    title: "typecheck",
    when: whenAnyCode(state),
    async run(ctx) {
      // Incremental: tsc keeps each file's content hash and its type signature in the build info, and
      // re-checks what changed and every file whose types depend on it; a re-run checks less, never skips a change.
      const buildInfo = join(ctx.root, ".horizon", "cache", "typecheck.tsbuildinfo");
      const result = await runNpm(ctx, ["run", "typecheck", "--", "--incremental", "--tsBuildInfoFile", buildInfo]);
      if (result.exitCode === 0) return { status: "passed", summary: "tsc found no type errors" };
      return { status: "failed", summary: `tsc found type errors: ${await tailOfLog(ctx)}` };
    },
  };
}

/** `npm run test:ci -w <dir>` with a JUnit report in the run folder: whether it passed, and its counts in words. */
async function runWorkspaceTests(ctx: StageContext, dir: string, junitName: string): Promise<{ passed: boolean; counts: string; junit: string }> {
  const junit = `junit/${junitName}.xml`;
  await mkdir(join(ctx.runDir, "junit"), { recursive: true });
  const result = await runNpm(ctx, ["run", "test:ci", "-w", dir, "--", "--reporter=default", "--reporter=junit", `--outputFile.junit=${join(ctx.runDir, junit)}`]);
  const tests = await readTests([join(ctx.runDir, junit)]).catch(() => undefined);
  const counts = tests ? `${tests.passed} of ${tests.total - tests.skipped} tests passed` : "no test report";
  return { passed: result.exitCode === 0, counts, junit };
}

/** `npm run test:ci -w services/<name>`, exactly as CI runs it; the lcov it writes is the coverage gate's evidence. */
export function testStage(state: PipelineState, service: string): Stage {
  return {
    id: `test-${service}`,
    title: "test:ci",
    service,
    when: whenAffected(state, service),
    async run(ctx) {
      // A report left by an earlier run must not stand in for this one.
      await rm(join(ctx.root, "services", service, "coverage"), { recursive: true, force: true });
      const { passed, counts, junit } = await runWorkspaceTests(ctx, `services/${service}`, service);
      const coverage = await collectCoverage(ctx, state, service);
      const covered = coverage === undefined ? "no coverage report" : `line coverage ${coverage.toFixed(2)}%`;
      if (passed) return { status: "passed", summary: `${counts}, ${covered}`, artifacts: [`coverage/${service}.lcov`, junit] };
      return { status: "failed", summary: `${counts}, ${covered}: ${await firstTestFailure(ctx)}` };
    },
  };
}

async function collectCoverage(ctx: StageContext, state: PipelineState, service: string): Promise<number | undefined> {
  const source = join(ctx.root, "services", service, "coverage", "lcov.info");
  const target = join(ctx.runDir, "coverage", `${service}.lcov`);
  try {
    await mkdir(join(ctx.runDir, "coverage"), { recursive: true });
    await copyFile(source, target);
    state.evidence.coverage.set(service, `coverage/${service}.lcov`);
    const coverage = await readCoverage([target]);
    return coverage.linesFound === 0 ? 0 : (100 * coverage.linesHit) / coverage.linesFound;
  } catch {
    return undefined;
  }
}

/**
 * `npm run test:ci -w packages/<name>`: a package's own tests, run when it or
 * a package it depends on changed (its dependents' services run theirs too).
 */
export function packageTestStage(state: PipelineState, pkg: string): Stage {
  return {
    id: `test-package-${pkg}`,
    title: "test:ci",
    service: `packages/${pkg}`,
    when: () => (state.packages.includes(pkg) ? true : "not affected by this change"),
    async run(ctx) {
      const { passed, counts, junit } = await runWorkspaceTests(ctx, `packages/${pkg}`, `packages-${pkg}`);
      if (passed) return { status: "passed", summary: counts, artifacts: [junit] };
      return { status: "failed", summary: `${counts}: ${await firstTestFailure(ctx)}` };
    },
  };
}
