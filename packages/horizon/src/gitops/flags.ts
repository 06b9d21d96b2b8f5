import { InputError } from "../errors.js";
import { checkFlagText, formatFlagProblem } from "./flags-rules.js";
import { patchJson } from "./flags-json.js";
import { readRepoFile } from "./repo.js";

/** An environment's flag file in the manifests repo (CONTRACTS.md), flagd's flag-definition format. */
export const flagsFile = (environment: string): string => `environments/${environment}/flags.flagd.json`;

/** One flag as flagd's schema defines it (json/flags.json `baseFlag`). */
export interface FlagDefinition {
  state: "ENABLED" | "DISABLED";
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: unknown;
  metadata?: Record<string, unknown>;
}

interface FlagFile {
  path: string;
  text: string;
  flags: Record<string, FlagDefinition>;
}

/** Exit 2 naming the file and the JSON pointer of every problem, unless flagd would load `text` as written. */
export function assertValidFlagFile(text: string, path: string): Record<string, FlagDefinition> {
  const problems = checkFlagText(text);
  if (problems.length > 0) {
    throw new InputError(`${path} is not a valid flagd flag file:\n${problems.map((p) => `  ${formatFlagProblem(path, p)}`).join("\n")}`);
  }
  return (JSON.parse(text) as { flags: Record<string, FlagDefinition> }).flags;
}

/** The environment's flag file, validated; exit 2 when it is missing or invalid. */
export function readFlagFile(root: string, environment: string): FlagFile {
  const path = flagsFile(environment);
  const text = readRepoFile(root, path);
  if (text === undefined) throw new InputError(`${path} does not exist: environment ${environment} has no flags`);
  return { path, text, flags: assertValidFlagFile(text, path) };
}

/** A `fractional` rollout as `flags set --rollout` writes it: buckets with literal variants and weights, no bucketing expression. */
function rolloutOf(flag: FlagDefinition | undefined): Array<{ variant: string; percent: number }> | undefined {
  const targeting = flag?.targeting as { fractional?: unknown } | undefined;
  if (!targeting || typeof targeting !== "object" || Object.keys(targeting).length !== 1 || !Array.isArray(targeting.fractional)) return undefined;
  const buckets = targeting.fractional as unknown[];
  if (!buckets.every((b) => Array.isArray(b) && typeof b[0] === "string" && (b.length === 1 || typeof b[1] === "number"))) return undefined;
  const weights = (buckets as Array<[string, number?]>).map(([variant, weight = 1]) => ({ variant, weight }));
  const total = weights.reduce((n, w) => n + w.weight, 0);
  return total > 0 ? weights.map((w) => ({ variant: w.variant, percent: Math.round((w.weight / total) * 10_000) / 100 })) : undefined;
}

/**
 * What a flag serves, in one line (the `Horizon-Flag` trailer's value): its default variant; `rollout on 10%, off 90%`
 * for a fractional rollout; `<default> + targeting` when other rules pick; `disabled`; `removed`.
 */
export function describeFlag(flag: FlagDefinition | undefined): string {
  if (!flag) return "removed";
  if (flag.state === "DISABLED") return "disabled";
  const rollout = rolloutOf(flag);
  if (rollout) return `rollout ${rollout.map((b) => `${b.variant} ${b.percent}%`).join(", ")}`;
  const served = typeof flag.defaultVariant === "string" ? flag.defaultVariant : "(code default)";
  const targeting = flag.targeting !== undefined && !(typeof flag.targeting === "object" && flag.targeting !== null && Object.keys(flag.targeting).length === 0);
  return targeting ? `${served} + targeting` : served;
}

/** `--rollout 10%` (or `10`): a whole percentage from 1 to 100. */
export function parseRollout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d{1,3})\s*%?\s*$/.exec(value);
  const percent = m ? Number(m[1]) : Number.NaN;
  if (!(percent >= 1 && percent <= 100)) throw new InputError(`--rollout ${value} is not a whole percentage from 1% to 100%`);
  return percent;
}

interface FlagSetResult {
  text: string;
  before: string;
  after: string;
  /** Targeting that still picks variants after the change (not a rollout horizon can replace). */
  keptTargeting: boolean;
}

/**
 * `flags set KEY --variant V [--rollout P%]` on the file's text, as a minimal edit. Without a rollout (or at 100%)
 * V becomes the default variant and a rollout's targeting goes; other targeting stays (and is reported). With
 * P% < 100, targeting becomes flagd's `fractional` (docs/reference/custom-operations/fractional-operation.md: buckets
 * [variant, weight], bucketed by flagKey + targetingKey when no expression is given): V for P%, the current default for
 * the rest, which stays the default for evaluations without a targeting key. Exit 2 on an unknown flag or variant.
 */
export function planFlagSet(file: FlagFile, key: string, variant: string, percent: number | undefined): FlagSetResult {
  const flag = file.flags[key];
  if (!flag) throw new InputError(`${file.path} has no flag "${key}" (flags: ${Object.keys(file.flags).join(", ") || "none"})`);
  const variants = Object.keys(flag.variants);
  if (!variants.includes(variant)) throw new InputError(`flag ${key} in ${file.path} has no variant "${variant}" (variants: ${variants.join(", ")})`);
  const before = describeFlag(flag);
  let next: FlagDefinition;
  if (percent === undefined || percent === 100) {
    const rollout = rolloutOf(flag) !== undefined;
    next = { ...flag, defaultVariant: variant };
    if (rollout) delete next.targeting;
  } else {
    const rest = flag.defaultVariant;
    if (typeof rest !== "string") throw new InputError(`flag ${key} in ${file.path} has no defaultVariant: a rollout gives ${variant} to ${percent}% and the default to the rest`);
    if (rest === variant) throw new InputError(`flag ${key} already serves ${variant} by default: roll out another variant, or set ${variant} without --rollout`);
    const existing = flag.targeting !== undefined && rolloutOf(flag) === undefined && describeFlag(flag).endsWith("+ targeting");
    if (existing) throw new InputError(`flag ${key} in ${file.path} has targeting rules of its own: --rollout would replace them; edit the file by hand (and validate it)`);
    next = { ...flag, targeting: { fractional: [[variant, percent], [rest, 100 - percent]] } };
  }
  const text = patchJson(file.text, ["flags", key], next);
  const keptTargeting = next.targeting !== undefined && rolloutOf(next) === undefined && describeFlag(next).endsWith("+ targeting");
  return { text, before, after: describeFlag(next), keptTargeting };
}
