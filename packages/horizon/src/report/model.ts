/**
 * What the delivery dashboard shows, as plain data. `horizon report` gathers
 * it from a run folder and the manifests repo; `renderDashboard` turns it
 * into one self-contained HTML page.
 */
export type Status = "passed" | "failed" | "skipped" | "warning" | "running";

/** A file of the run folder, as a link relative to the page. */
export interface DashboardLink {
  label: string;
  href: string;
}

interface DashboardStage {
  title: string;
  service?: string;
  status: Status;
  durationMs: number;
  summary: string;
  /** Its log, JUnit, coverage and other files that exist, relative to the page. */
  links?: DashboardLink[];
}

export interface DashboardRun {
  runId: string;
  status: Status;
  startedAt: string;
  durationMs: number;
  commit?: string;
  services: string[];
  failure?: string;
  stages: DashboardStage[];
}

/** One earlier (or this) run of `horizon pipeline`, from `.horizon/runs/<id>/summary.json`. */
export interface DashboardRunListEntry {
  runId: string;
  /** As summary.json says; a run that is neither passed nor failed was interrupted or is still running. */
  status: "passed" | "failed" | "interrupted" | "running";
  startedAt: string;
  durationMs: number;
  commit?: string;
  services: string[];
  failure?: string;
  /** Its dashboard, relative to the page; absent when that run wrote none. */
  href?: string;
  /** The run this page is about. */
  current: boolean;
}

export interface DashboardGate {
  /** The services this row judges: one, or all of them when the evidence is shared (audit, integration and load tests). */
  services: string[];
  /** The same platform-wide evidence and verdict for every service: shown once. */
  shared: boolean;
  gate: string;
  status: "pass" | "fail" | "warn";
  actual: string;
  threshold: string;
  message: string;
}

export interface DashboardDeployment {
  environment: string;
  service: string;
  /** The full image reference, registry included. */
  image: string;
  sourceCommit?: string;
  deployedAt?: string;
  hold?: string;
  /** false when the commit that brought this image was not made by horizon (a hand edit). */
  managed: boolean;
  /** Built from uncommitted work (`<sha>-wip.<run>`): not a reproducible release. */
  wip: boolean;
}

export interface DashboardHistoryEntry {
  time: string;
  action: string;
  environment: string;
  services: string[];
  images: string[];
  sourceCommit?: string;
  author?: string;
  signed?: boolean;
  commit: string;
  /** false for a change made without horizon (no Horizon trailers). */
  managed: boolean;
}

/** What promotion-policy.yaml says about an environment now, and what its flags serve. */
export interface DashboardEnvironmentPolicy {
  environment: string;
  timezone: string;
  frozen?: { reason: string; until: string };
  /** Promotion allowed now: not frozen and inside a window (or no windows). */
  open: boolean;
  /** When promotion is next allowed, if not now (absent while an open-ended freeze stands). */
  nextOpen?: string;
  autoPromote: boolean;
  /** `2 h in staging`, or `none`. */
  soak: string;
  /** The images a promotion into it would move, with their soak. */
  soaking: Array<{ service: string; image: string; from: string; status: string; eligibleAt?: string }>;
  flags: Array<{ key: string; serves: string }>;
  /** The policy file could not be read: the section says why (and shows no rules). */
  problem?: string;
}

interface DashboardMetric {
  label: string;
  value: string;
  tier?: string;
  detail?: string;
}

export interface DashboardSeriesPoint {
  date: string;
  value: number;
}

export interface DashboardData {
  title: string;
  generatedAt: string;
  run?: DashboardRun;
  /** Every run under .horizon/runs, newest first. */
  runs: DashboardRunListEntry[];
  gates: DashboardGate[];
  deployments: DashboardDeployment[];
  history: DashboardHistoryEntry[];
  /** Per environment: the promotion policy's state and the flags. */
  policies: DashboardEnvironmentPolicy[];
  dora?: {
    environment: string;
    window: string;
    metrics: DashboardMetric[];
    deploysPerDay: DashboardSeriesPoint[];
    leadTimeHours: DashboardSeriesPoint[];
  };
}

/** An image built from uncommitted work: horizon pipeline tags it `<sha>-wip.<run-id>`. */
export function isWipImage(image: string): boolean {
  const tag = image.split("@")[0]?.split("/").at(-1)?.split(":")[1] ?? "";
  return /-wip(\.|$)/.test(tag);
}
