import type { PipelineHistoryState } from "./history-state.js";
import { buildPackagesStage, buildStage, imageStage } from "./stages/build.js";
import { changedStage } from "./stages/changed.js";
import { lintStage, packageTestStage, testStage, typecheckStage } from "./stages/checks.js";
import { gateStage } from "./stages/gates.js";
import { integrationStage, loadStage, seedStage, startPlatformStage, stopPlatformStage, type PlatformHandle } from "./stages/platform.js";
import { releaseStage, syncManifestsStage, validateManifestsStage, validateRepositoryStage } from "./stages/release.js";
import { scanStages } from "./stages/scans.js";
import type { PipelineState } from "./state.js";
import type { Stage } from "./types.js";
import { parseDuration, parsePositive } from "../commands/loadtest/target.js";

/**
 * The load test's options, refused (exit 2) before any stage runs when they
 * could not produce evidence: a zero or negative duration, zero connections.
 * The same parsers as `horizon loadtest`, so the two never disagree.
 */
export function parseLoadSettings(loadDuration = "10s", connections = "100"): Pick<PipelineSettings, "loadDuration" | "connections"> {
  parseDuration(loadDuration, "--load-duration");
  return { loadDuration, connections: parsePositive(connections, "--connections", true) };
}

interface PipelineSettings {
  root: string;
  runDir: string;
  runId: string;
  horizonDir: string;
  manifestsDir: string;
  all: boolean;
  previous: PipelineHistoryState;
  loadDuration: string;
  connections: number;
  /** Every service of the repository (stages for the unaffected ones say so and skip). */
  services: readonly string[];
  /** Every workspace package (folder names under packages/), likewise. */
  packages: readonly string[];
}

/**
 * The spec's pipeline, in order (issue 7): affected services; lint, typecheck,
 * validation of the delivery config and tests per service; scans; build; the
 * platform with integration and load tests; gates per service; then, only if
 * no stage failed, the sync of deploy/ into the local manifests repo, the
 * release into it and its validation. The dashboard is written after the last stage, when the run's
 * verdict is known.
 */
export function planStages(state: PipelineState, settings: PipelineSettings): { stages: Stage[]; platform: PlatformHandle } {
  const platform: PlatformHandle = {};
  const perService = (make: (service: string) => Stage) => settings.services.map(make);
  const tag = () => settings.runId;
  const release = { manifestsDir: settings.manifestsDir, runId: settings.runId };
  const stages: Stage[] = [
    changedStage(state, { all: settings.all, previous: settings.previous }),
    typecheckStage(state),
    lintStage(state),
    validateRepositoryStage(),
    ...settings.packages.map((p) => packageTestStage(state, p)),
    ...perService((s) => testStage(state, s)),
    ...scanStages(state),
    buildPackagesStage(state),
    ...perService((s) => buildStage(state, s)),
    ...perService((s) => imageStage(state, s, tag)),
    integrationStage(state),
    startPlatformStage(state, platform),
    seedStage(platform),
    loadStage(state, platform, settings),
    stopPlatformStage(platform),
    ...perService((s) => gateStage(state, s)),
    syncManifestsStage(state, release),
    releaseStage(state, release),
    validateManifestsStage(release),
  ];
  return { stages, platform };
}
