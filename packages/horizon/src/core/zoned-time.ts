/**
 * Wall-clock time in an IANA time zone, from Intl alone (Node 24 has no Temporal yet).
 * `toInstant` resolves a local time to the instant it names, across daylight-saving changes.
 */

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows `timeZone` as an IANA zone (or an alias such as UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time at `instant` in `timeZone`. */
export function localTimeAt(instant: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute };
}

/** How far `timeZone` is ahead of UTC at `instant`, in ms (whole minutes: every current zone has them). */
function offsetMs(instant: number, timeZone: string): number {
  const t = localTimeAt(instant, timeZone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  return wall - (instant - (((instant % 60_000) + 60_000) % 60_000));
}

/**
 * The instant a local time names, disambiguated as Temporal's "compatible" mode does: in an overlap
 * (fall back) the earlier of the two; in a gap (spring forward) the time moved forward by the gap.
 */
export function toInstant(local: LocalTime, timeZone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  // The offsets half a day either side: daylight-saving changes are months apart.
  const before = offsetMs(wall - 43_200_000, timeZone);
  const after = offsetMs(wall + 43_200_000, timeZone);
  const names = (instant: number): boolean => {
    const t = localTimeAt(instant, timeZone);
    return t.year === local.year && t.month === local.month && t.day === local.day && t.hour === local.hour && t.minute === local.minute;
  };
  const valid = [wall - before, wall - after].filter(names);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}

/** The day of the week, Sunday 0 ... Saturday 6 (JavaScript's order). */
export function weekdayOf(local: Pick<LocalTime, "year" | "month" | "day">): number {
  return new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
}

/** The calendar day `days` after `local`'s (time of day kept). */
export function addDays(local: LocalTime, days: number): LocalTime {
  const d = new Date(Date.UTC(local.year, local.month - 1, local.day + days));
  return { ...local, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number): string => String(n).padStart(2, "0");

/** `2026-12-28 08:00` */
export function formatLocal(local: LocalTime): string {
  return `${local.year}-${pad(local.month)}-${pad(local.day)} ${pad(local.hour)}:${pad(local.minute)}`;
}

/** `2026-12-28T08:00`, the form the policy file keeps. */
export function formatLocalIso(local: LocalTime): string {
  return `${local.year}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}`;
}

/** `2026-12-28 08:00 Europe/Berlin (07:00 UTC)`; UTC alone when the zone is UTC. */
export function formatInstant(instant: number, timeZone: string): string {
  const utc = localTimeAt(instant, "UTC");
  const local = localTimeAt(instant, timeZone);
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return `${formatLocal(utc)} UTC`;
  return `${formatLocal(local)} ${timeZone} (${pad(utc.hour)}:${pad(utc.minute)} UTC)`;
}
