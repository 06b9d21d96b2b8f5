/**
 * What the delivery dashboard shows, as plain data. `horizon report` gathers
 * it from a run folder and the manifests repo; `renderDashboard` turns it
 * into one self-contained HTML page.
 */
export type Status = "passed" | "failed" | "skipped" | "warning" | "running";

export interface DashboardStage {
  title: string;
  service?: string;
  status: Status;
  durationMs: number;
  summary: string;
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

export interface DashboardGate {
  service: string;
  gate: string;
  status: "pass" | "fail" | "warn";
  actual: string;
  threshold: string;
  message: string;
}

export interface DashboardDeployment {
  environment: string;
  service: string;
  image: string;
  sourceCommit?: string;
  deployedAt?: string;
  hold?: string;
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
}

export interface DashboardMetric {
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
  gates: DashboardGate[];
  deployments: DashboardDeployment[];
  history: DashboardHistoryEntry[];
  dora?: {
    environment: string;
    window: string;
    metrics: DashboardMetric[];
    deploysPerDay: DashboardSeriesPoint[];
    leadTimeHours: DashboardSeriesPoint[];
  };
}
