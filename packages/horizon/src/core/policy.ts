import { parseDocument } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";
import { parseDuration } from "./duration.js";
import { isTimeZone, type LocalTime } from "./zoned-time.js";

/**
 * `promotion-policy.yaml` at the manifests repo's root (CONTRACTS.md): per environment, soak, promotion
 * windows, freezes and auto-promotion. Parsing is strict; every refusal names the key's path.
 */
export const POLICY_FILE = "promotion-policy.yaml";

export const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
type DayName = (typeof DAY_NAMES)[number];

export interface Window {
  days: DayName[];
  /** Minutes after local midnight; `to` may be 1440 (24:00). */
  from: number;
  to: number;
}

export interface Freeze {
  from: LocalTime;
  /** Absent: open-ended (a stop-the-line freeze that `horizon release unfreeze` lifts). */
  to?: LocalTime;
  reason: string;
}

interface EnvironmentPolicy {
  autoPromote: boolean;
  /** How long an image must have run in the environment it comes from, in ms. */
  soakMs: number;
  windows: Window[];
  freezes: Freeze[];
}

export interface PromotionPolicy {
  timezone: string;
  environments: Record<string, EnvironmentPolicy>;
}

/** A policy duration (`30m`, `2h`, `1h30m`, `2d`): ms, or undefined when it is none or negative. */
function policyDuration(text: string): number | undefined {
  const ms = parseDuration(text, ["s", "m", "h", "d"]);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

function parseClock(text: string): number | undefined {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [h, min] = [Number(m[1]), Number(m[2])];
  if (min > 59 || h > 24 || (h === 24 && min > 0)) return undefined;
  return h * 60 + min;
}

function parseLocal(text: string): LocalTime | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const t = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0) };
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day));
  if (d.getUTCMonth() + 1 !== t.month || d.getUTCDate() !== t.day || t.hour > 23 || t.minute > 59) return undefined;
  return t;
}

/** A string field turned into a value by `parse`, or an issue saying what it should look like. */
function parsed<T>(parse: (text: string) => T | undefined, shape: string) {
  return z.string().transform((text, ctx): T => {
    const value = parse(text);
    if (value === undefined) {
      ctx.addIssue({ code: "custom", message: `"${text}" is not ${shape}` });
      return z.NEVER;
    }
    return value;
  });
}

const duration = parsed(policyDuration, "a duration like 30m, 2h or 1h30m");
const clock = parsed(parseClock, 'a time of day like "08:00" (00:00 to 24:00)');
const localTime = parsed(parseLocal, "a local date and time like 2026-12-23T08:00 (in the file's timezone)");

const WindowSchema = z
  .strictObject({ days: z.array(z.enum(DAY_NAMES)).min(1), from: clock, to: clock })
  .refine((w) => w.from < w.to, { message: "a window's from must be before its to (windows do not cross midnight: write two)" });

const toMinutes = (t: LocalTime): number => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);

const FreezeSchema = z
  .strictObject({ from: localTime, to: localTime.optional(), reason: z.string().trim().min(1, "a freeze needs a reason") })
  .refine((f) => f.to === undefined || toMinutes(f.from) < toMinutes(f.to), { message: "a freeze's from must be before its to" });

const EnvironmentSchema = z.strictObject({
  autoPromote: z.boolean().default(false),
  soak: duration.optional(),
  windows: z.array(WindowSchema).default([]),
  freezes: z.array(FreezeSchema).default([]),
});

const PolicySchema = z.strictObject({
  timezone: z.string().refine(isTimeZone, { message: "is not an IANA time zone (for example Europe/Berlin or UTC)" }),
  environments: z.record(z.string().min(1), EnvironmentSchema).default({}),
});

/** `environments.production.windows[0].from` */
function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("") || "(top level)";
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `${pathOf(issue.path)}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  return `${pathOf(issue.path)}: ${issue.message}`;
}

/** The policy file's content, or the default (no rules at all) when the file is absent. */
export function parsePolicy(source: string | undefined, file = POLICY_FILE): PromotionPolicy {
  if (source === undefined) return { timezone: "UTC", environments: {} };
  const doc = parseDocument(source, { prettyErrors: true });
  const [error] = doc.errors;
  if (error) throw new InputError(`${file} is not valid YAML: ${error.message.split("\n")[0] ?? ""}`);
  const result = PolicySchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw new InputError(`${file}: ${result.error.issues.map(describe).join("; ")}`);
  const environments: Record<string, EnvironmentPolicy> = {};
  for (const [name, e] of Object.entries(result.data.environments)) {
    if (e.autoPromote && name === "production") {
      throw new InputError(`${file}: environments.production.autoPromote: production never promotes by itself (it takes a reviewed pull request)`);
    }
    environments[name] = {
      autoPromote: e.autoPromote,
      soakMs: e.soak ?? 0,
      windows: e.windows.map((w) => ({ days: [...new Set(w.days)], from: w.from, to: w.to })),
      freezes: e.freezes.map((f) => ({ from: f.from, ...(f.to ? { to: f.to } : {}), reason: f.reason })),
    };
  }
  return { timezone: result.data.timezone, environments };
}

/** An environment without rules: no soak, always open, never frozen, not automatic. */
export function environmentPolicy(policy: PromotionPolicy, environment: string): EnvironmentPolicy {
  return policy.environments[environment] ?? { autoPromote: false, soakMs: 0, windows: [], freezes: [] };
}

/** The order images travel in; an environment's soak is measured in the one before it. */
export const PROMOTION_ORDER = ["development", "staging", "production"] as const;

/** The environment before `environment` in PROMOTION_ORDER that the repository has, if any. */
export function sourceEnvironment(environment: string, environments: readonly string[]): string | undefined {
  const i = PROMOTION_ORDER.indexOf(environment as (typeof PROMOTION_ORDER)[number]);
  for (let j = i - 1; j >= 0; j--) if (environments.includes(PROMOTION_ORDER[j])) return PROMOTION_ORDER[j];
  return undefined;
}
