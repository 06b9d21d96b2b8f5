/** What stages learn and later stages read, within one run. */
export interface PipelineState {
  /** Every service in the repository. */
  allServices: string[];
  /** The services this run builds, tests and releases (set by the "affected services" stage). */
  services: string[];
  /** Services whose tests or gates failed. */
  failedServices: Set<string>;
  /** Why the release must not happen, in words; empty when it may. */
  releaseBlockers: string[];
  /** The working tree this run builds, as a git tree id (set by the "affected services" stage). */
  tree?: string;
  /** Base URL of campaign-service while the platform runs. */
  platformUrl?: string;
  /** Relative paths (in the run folder) of evidence files. */
  evidence: {
    coverage: Map<string, string>;
    audit?: string;
    integrationJunit?: string;
    load?: string;
  };
}

export function newPipelineState(allServices: string[]): PipelineState {
  return { allServices, services: [], failedServices: new Set(), releaseBlockers: [], evidence: { coverage: new Map() } };
}

export function blockRelease(state: PipelineState, reason: string): void {
  state.releaseBlockers.push(reason);
}
