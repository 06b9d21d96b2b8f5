/**
 * Performance tiers as data, so a team can hold itself to another benchmark
 * without touching the computation. Each ladder is checked top-down; the
 * first rung a value reaches is its tier, the last rung catches the rest.
 */
export type DoraTier = "elite" | "high" | "medium" | "low";

export interface DoraTierPreset {
  name: string;
  /** The report the clusters come from, with its year: printed beside the tiers. */
  report: string;
  /** Deploy days per week (distinct UTC days with a deployment / weeks in the window): at least `min`. */
  deploymentFrequency: ReadonlyArray<{ tier: DoraTier; min: number; label: string }>;
  /** Median lead time in seconds: at most `max`. */
  leadTime: ReadonlyArray<{ tier: DoraTier; max: number; label: string }>;
  /** Change failure rate, 0..1: at most `max`. */
  changeFailureRate: ReadonlyArray<{ tier: DoraTier; max: number; label: string }>;
  /** Median time to restore in seconds: at most `max`. */
  timeToRestore: ReadonlyArray<{ tier: DoraTier; max: number; label: string }>;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * The 2024 Accelerate State of DevOps (DORA) report's clusters. Frequency
 * buckets read "deploy days per week" the way dora-team/fourkeys does (daily
 * = most weeks have 3+ deploy days). The report's change failure rates are
 * cluster values, not bounds, and its medium cluster (10%) sits below high
 * (20%); as a ladder we keep elite 5% and high 20% and put medium below the
 * low cluster's 40%. Its time-to-restore for high and medium are both "less
 * than one day"; medium here is up to a week.
 */
export const DORA_2024: DoraTierPreset = {
  name: "DORA 2024",
  report: "Accelerate State of DevOps Report 2024",
  deploymentFrequency: [
    { tier: "elite", min: 3, label: "on demand (deploys most days)" },
    { tier: "high", min: 1, label: "between once per day and once per week" },
    { tier: "medium", min: 12 / 52, label: "between once per week and once per month" },
    { tier: "low", min: 0, label: "less than once per month" },
  ],
  leadTime: [
    { tier: "elite", max: DAY, label: "less than one day" },
    { tier: "high", max: 7 * DAY, label: "between one day and one week" },
    { tier: "medium", max: 30 * DAY, label: "between one week and one month" },
    { tier: "low", max: Number.POSITIVE_INFINITY, label: "more than one month" },
  ],
  changeFailureRate: [
    { tier: "elite", max: 0.05, label: "5% or less" },
    { tier: "high", max: 0.2, label: "20% or less" },
    { tier: "medium", max: 0.4, label: "under 40%" },
    { tier: "low", max: Number.POSITIVE_INFINITY, label: "40% or more" },
  ],
  timeToRestore: [
    { tier: "elite", max: HOUR, label: "less than one hour" },
    { tier: "high", max: DAY, label: "less than one day" },
    { tier: "medium", max: 7 * DAY, label: "less than one week" },
    { tier: "low", max: Number.POSITIVE_INFINITY, label: "more than one week" },
  ],
};

export function tierAtLeast(ladder: DoraTierPreset["deploymentFrequency"], value: number): DoraTier {
  return (ladder.find((rung) => value >= rung.min) ?? ladder[ladder.length - 1])?.tier ?? "low";
}

export function tierAtMost(ladder: DoraTierPreset["leadTime"], value: number): DoraTier {
  return (ladder.find((rung) => value <= rung.max) ?? ladder[ladder.length - 1])?.tier ?? "low";
}
