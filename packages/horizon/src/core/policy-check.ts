import { DAY_NAMES, environmentPolicy, type Freeze, type PromotionPolicy, type Window } from "./policy.js";
import { addDays, formatInstant, localTimeAt, toInstant, weekdayOf, type LocalTime } from "./zoned-time.js";

/**
 * What the promotion policy says at one instant: pure functions of the policy, the clock and the record.
 * Times are epoch ms; every message names the time in the policy's zone and in UTC.
 */

export type Blocker =
  | { kind: "freeze"; environment: string; reason: string; since: number; until?: number; message: string }
  | { kind: "window"; environment: string; opensAt?: number; message: string }
  | { kind: "soak"; environment: string; service: string; image: string; from: string; soakedMs: number; requiredMs: number; eligibleAt?: number; message: string };

type TimedFreeze = Freeze & { fromMs: number; toMs?: number };

/** The freeze in force at `now`, if any: an open-ended one first, else the one that ends last. */
export function activeFreeze(policy: PromotionPolicy, environment: string, now: number): TimedFreeze | undefined {
  const active: TimedFreeze[] = [];
  for (const f of environmentPolicy(policy, environment).freezes) {
    const fromMs = toInstant(f.from, policy.timezone);
    const toMs = f.to ? toInstant(f.to, policy.timezone) : undefined;
    if (fromMs <= now && (toMs === undefined || now < toMs)) active.push({ ...f, fromMs, ...(toMs !== undefined ? { toMs } : {}) });
  }
  return active.find((f) => f.toMs === undefined) ?? active.sort((a, b) => (b.toMs ?? 0) - (a.toMs ?? 0))[0];
}

function clockOn(day: LocalTime, minutes: number, timeZone: string): number {
  if (minutes === 1440) return toInstant({ ...addDays(day, 1), hour: 0, minute: 0 }, timeZone);
  return toInstant({ ...day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, timeZone);
}

function windowsOn(windows: readonly Window[], day: LocalTime): Window[] {
  const name = DAY_NAMES[weekdayOf(day)];
  return windows.filter((w) => w.days.includes(name));
}

/** True when `now` is inside one of the environment's windows (an environment without windows is always open). */
export function inWindow(policy: PromotionPolicy, environment: string, now: number): boolean {
  const { windows } = environmentPolicy(policy, environment);
  if (windows.length === 0) return true;
  const today = localTimeAt(now, policy.timezone);
  return windowsOn(windows, today).some((w) => clockOn(today, w.from, policy.timezone) <= now && now < clockOn(today, w.to, policy.timezone));
}

/** When the next window opens after `now` (undefined when the environment has no windows). */
function nextWindowOpening(policy: PromotionPolicy, environment: string, now: number): number | undefined {
  const { windows } = environmentPolicy(policy, environment);
  const today = localTimeAt(now, policy.timezone);
  for (let d = 0; d <= 7; d++) {
    const day = addDays(today, d);
    const starts = windowsOn(windows, day)
      .map((w) => clockOn(day, w.from, policy.timezone))
      .filter((s) => s > now);
    if (starts.length > 0) return Math.min(...starts);
  }
  return undefined;
}

/**
 * The first instant at or after `now` when the environment is open: inside a window and not frozen.
 * Undefined when an open-ended freeze stands in the way (only `unfreeze` ends it).
 */
export function nextOpen(policy: PromotionPolicy, environment: string, now: number): number | undefined {
  let t = now;
  // Each step jumps to the end of a freeze or the start of a window; a year of them is far more than any policy has.
  for (let step = 0; step < 1000; step++) {
    const freeze = activeFreeze(policy, environment, t);
    if (freeze) {
      if (freeze.toMs === undefined) return undefined;
      t = freeze.toMs;
      continue;
    }
    if (inWindow(policy, environment, t)) return t;
    const opening = nextWindowOpening(policy, environment, t);
    if (opening === undefined) return undefined;
    t = opening;
  }
  return undefined;
}

/** `40 min`, `2 h`, `1 h 30 min`, `45 s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  return [d ? `${d} d` : "", h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ");
}

/** The environment's freeze and window blockers at `now` (soak is per image: see `soakBlocker`). */
export function scheduleBlockers(policy: PromotionPolicy, environment: string, now: number): Blocker[] {
  const tz = policy.timezone;
  const freeze = activeFreeze(policy, environment, now);
  if (freeze) {
    const until = freeze.toMs === undefined ? "until it is lifted (horizon release unfreeze)" : `until ${formatInstant(freeze.toMs, tz)}`;
    return [
      {
        kind: "freeze",
        environment,
        reason: freeze.reason,
        since: freeze.fromMs,
        ...(freeze.toMs !== undefined ? { until: freeze.toMs } : {}),
        message: `${environment} is frozen ${until}: ${freeze.reason}`,
      },
    ];
  }
  if (inWindow(policy, environment, now)) return [];
  const opensAt = nextOpen(policy, environment, now);
  const when = opensAt === undefined ? "no window opens before a freeze without an end" : `the next opens at ${formatInstant(opensAt, tz)}`;
  return [{ kind: "window", environment, ...(opensAt !== undefined ? { opensAt } : {}), message: `${environment} is outside its promotion windows; ${when}` }];
}

/**
 * The soak blocker of one image promoted from `from` into `environment`: undefined once it has run there
 * for the environment's soak. `deployedAt` is the record's deploy time of that image in `from`.
 */
export function soakBlocker(
  policy: PromotionPolicy,
  move: { environment: string; from: string; service: string; image: string; label: string; deployedAt: number | undefined },
  now: number,
): Blocker | undefined {
  const requiredMs = environmentPolicy(policy, move.environment).soakMs;
  if (requiredMs === 0) return undefined;
  const base = { kind: "soak" as const, environment: move.environment, service: move.service, image: move.image, from: move.from, requiredMs };
  if (move.deployedAt === undefined) {
    return { ...base, soakedMs: 0, message: `${move.label} has not run in ${move.from} (no deployment of it is recorded there); it needs ${formatDuration(requiredMs)} there` };
  }
  const soakedMs = Math.max(0, now - move.deployedAt);
  if (soakedMs >= requiredMs) return undefined;
  const eligibleAt = move.deployedAt + requiredMs;
  return {
    ...base,
    soakedMs,
    eligibleAt,
    message: `${move.label} has soaked ${formatDuration(soakedMs)} of ${formatDuration(requiredMs)} in ${move.from}; eligible at ${formatInstant(eligibleAt, policy.timezone)}`,
  };
}

/**
 * When `image` started its current run as `service`'s image in `environment`: the oldest of the newest
 * history entries that all leave that image (a later sync of base/ does not restart the soak). Entries newest first.
 */
export function soakStart(
  entries: ReadonlyArray<{ at: string; environment: string; service: string; image: string | null }>,
  environment: string,
  service: string,
  image: string,
): number | undefined {
  let start: number | undefined;
  for (const e of entries) {
    if (e.environment !== environment || e.service !== service) continue;
    if (e.image !== image) break;
    start = Date.parse(e.at);
  }
  return start;
}
