/** The outcome of one pipeline stage. `warning` passed with something to say (e.g. no network for the audit). */
type StageStatus = "passed" | "failed" | "skipped" | "warning";

export interface StageOutcome {
  status: StageStatus;
  /** One line for people: "41 tests, coverage 92.1%", "skipped: no container engine". */
  summary: string;
  /** Files this stage wrote, relative to the run folder. */
  artifacts?: string[];
}

export interface StageRecord extends StageOutcome {
  id: string;
  title: string;
  service?: string;
  startedAt: string;
  durationMs: number;
  /** The stage's full output, relative to the run folder. */
  log?: string;
}

export interface StageContext {
  /** Absolute path of this run's folder (.horizon/runs/<run-id>). */
  runDir: string;
  /** Repository root. */
  root: string;
  /** Absolute path of the log file for this stage. */
  logFile: string;
  /** Shows a short live status while the stage runs. */
  progress(text: string): void;
}

export interface Stage {
  id: string;
  title: string;
  service?: string;
  run(ctx: StageContext): Promise<StageOutcome>;
  /**
   * Decides, just before the stage would start, whether it runs; a string is
   * the reason it is skipped. `done` is every stage recorded so far, in order.
   */
  when?: (done: readonly StageRecord[]) => true | string;
}

export interface RunSummary {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  durationMs: number;
  status: "running" | "passed" | "failed" | "interrupted";
  commit?: string;
  base?: string;
  services: string[];
  stages: StageRecord[];
  /** Why the run failed, in words: "gate code_coverage failed for campaign-service: ...". */
  failure?: string;
}

/** "load test", "quality gates payment-service": how a stage is named to people (progress, failures, the release's skip). */
export const stageLabel = (s: Pick<Stage, "title" | "service">): string => (s.service ? `${s.title} ${s.service}` : s.title);
