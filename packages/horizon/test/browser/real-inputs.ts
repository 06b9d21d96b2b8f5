import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { runRollback } from "../../src/commands/release/rollback.js";
import { runSetImage } from "../../src/commands/release/set-image.js";
import type { CommandContext } from "../../src/commands/cli-support.js";
import { runProcess } from "../../src/io/process.js";
import { ensureManifestsRepo } from "../../src/pipeline/manifests-repo.js";
import { ProgressPrinter } from "../../src/pipeline/progress.js";
import { executeStages } from "../../src/pipeline/runner.js";
import { gateStage } from "../../src/pipeline/stages/gates.js";
import { releaseStage } from "../../src/pipeline/stages/release.js";
import { newPipelineState, type PipelineState } from "../../src/pipeline/state.js";
import type { RunSummary, Stage } from "../../src/pipeline/types.js";

/** The repository root: its deploy/ and quality-gates.yaml are the real ones. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon";

const quiet: CommandContext = { cwd: "/", write: () => undefined };

/** Runs `fn` with git placing the commits it makes at `iso` (author and committer). */
async function at<T>(iso: string, fn: () => Promise<T>): Promise<T> {
  process.env.GIT_AUTHOR_DATE = iso;
  process.env.GIT_COMMITTER_DATE = iso;
  try {
    return await fn();
  } finally {
    delete process.env.GIT_AUTHOR_DATE;
    delete process.env.GIT_COMMITTER_DATE;
  }
}

/**
 * A manifests repo made from the real deploy/ (as `horizon pipeline` makes it),
 * then real releases: production gets campaign-service 1.1.0 and payment-service
 * 2.0.0 on Nov 23, development trust-service 0.2.0 and campaign-service built from
 * uncommitted work (a -wip tag) on Nov 24, production
 * campaign-service 1.2.0 on Nov 25 at 10:00 — rolled back an hour later.
 */
export async function buildManifestsHistory(manifestsDir: string): Promise<void> {
  await at("2026-11-20T08:00:00Z", () => ensureManifestsRepo(REPO_ROOT, manifestsDir));
  const deploy = (iso: string, env: string, service: string, tag: string, sourceTime: string, sourceSha = `${tag.replaceAll(".", "")}abcdef0123456789`) =>
    at(iso, () =>
      runSetImage(
        { manifests: manifestsDir, env, service, image: `${REGISTRY}/${service}:${tag}`, sourceSha, sourceTime },
        // The policy's clock is the commit's: production's windows and freezes judge that moment, not today.
        { ...quiet, now: () => new Date(iso) },
      ),
    );
  await deploy("2026-11-23T09:00:00Z", "production", "campaign-service", "1.1.0", "2026-11-22T09:00:00Z");
  await deploy("2026-11-23T15:00:00Z", "production", "payment-service", "2.0.0", "2026-11-23T10:00:00Z");
  await deploy("2026-11-24T08:00:00Z", "development", "trust-service", "0.2.0", "2026-11-24T07:00:00Z");
  // What horizon pipeline builds from uncommitted work: `<sha>-wip.<run>`.
  await deploy("2026-11-24T09:00:00Z", "development", "campaign-service", "0123456789ab-wip.browser-run", "2026-11-24T08:30:00Z", "0123456789abcdef");
  await deploy("2026-11-25T10:00:00Z", "production", "campaign-service", "1.2.0", "2026-11-24T10:00:00Z");
  await at("2026-11-25T11:00:00Z", () =>
    runRollback({ manifests: manifestsDir, env: "production", service: "campaign-service" }, { ...quiet, now: () => new Date("2026-11-25T11:00:00Z") }),
  );
}

/** An lcov of one file with `hit` of `lines` lines covered. */
function writeLcov(file: string, lines: number, hit: number): void {
  const da = Array.from({ length: lines }, (_, i) => `DA:${i + 1},${i < hit ? 1 : 0}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, ["TN:", "SF:src/app.ts", ...da, `LF:${lines}`, `LH:${hit}`, "end_of_record", ""].join("\n"));
}

/** A stage that runs a real process (node printing a line after a pause) and records its coverage. */
function testStage(state: PipelineState, service: string, lines: number, hit: number): Stage {
  return {
    id: `test-${service}`,
    title: "unit tests",
    service,
    async run(ctx) {
      const result = await runProcess(process.execPath, ["-e", "setTimeout(() => console.log('4 tests passed'), 120)"], { cwd: ctx.root, logFile: ctx.logFile });
      const lcov = `coverage/${service}.lcov`;
      writeLcov(join(ctx.runDir, lcov), lines, hit);
      state.evidence.coverage.set(service, lcov);
      return { status: result.exitCode === 0 ? "passed" : "failed", summary: "4 tests passed", artifacts: [lcov] };
    },
  };
}

/**
 * A real run folder: two test stages, a skipped image build, the real gate
 * stage (runGate on the repository's quality-gates.yaml) for both services —
 * payment-service's 2 of 3 lines fail the 80% coverage gate — and the real
 * release stage, which that failure skips.
 */
export async function buildRun(root: string, runDir: string, manifestsDir: string): Promise<RunSummary> {
  copyFileSync(join(REPO_ROOT, "quality-gates.yaml"), join(root, "quality-gates.yaml"));
  const services = ["campaign-service", "payment-service"];
  const state = newPipelineState(services);
  state.services = [...services];
  const stages: Stage[] = [
    testStage(state, "campaign-service", 20, 19),
    testStage(state, "payment-service", 3, 2),
    { id: "image", title: "image build", when: () => "skipped: no container engine", run: () => Promise.reject(new Error("must not run")) },
    gateStage(state, "campaign-service"),
    gateStage(state, "payment-service"),
    releaseStage(state, { manifestsDir, runId: "browser-run" }),
  ];
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const summary: RunSummary = { runId: "browser-run", startedAt: new Date().toISOString(), durationMs: 0, status: "running", commit: "0123456789abcdef0123456789abcdef01234567", services, stages: [] };
  return executeStages(stages, { summary, runDir, root, printer: new ProgressPrinter(sink, false) });
}
