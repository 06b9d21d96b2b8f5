/** What stages learn and later stages read, within one run. */
export interface PipelineState {
  /** Every service in the repository. */
  allServices: string[];
  /** The services this run builds, tests and releases (set by the "affected services" stage). */
  services: string[];
  /** The workspace packages (folder names under packages/) whose own tests this run runs. */
  packages: string[];
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
  return { allServices, services: [], packages: [], evidence: { coverage: new Map() } };
}

/** A stage's `when` for per-service stages: runs only for an affected service. */
export const whenAffected = (state: PipelineState, service: string) => (): true | string =>
  state.services.includes(service) ? true : "not affected by this change";

/** A stage's `when` for stages of the whole repository's code (typecheck, lint): runs when any service or package is affected. */
export const whenAnyCode = (state: PipelineState) => (): true | string =>
  state.services.length > 0 || state.packages.length > 0 ? true : "no service or package affected";

/** A stage's `when` for shared stages: runs when any service is affected. */
export const whenAnyAffected = (state: PipelineState) => (): true | string => (state.services.length > 0 ? true : "no service affected");
