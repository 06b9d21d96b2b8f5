/** The units horizon's durations are written in, and their length in milliseconds. */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

const TERM = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/**
 * `30s`, `1h30m`, `1.5h`, `500ms`, `2w` (optionally signed, spaces allowed
 * around the unit) in milliseconds; undefined when the text is not such a
 * duration or uses a unit outside `units`. The one parser of every horizon
 * option and policy field that takes a duration; each caller says which units
 * make sense for it and checks the range.
 */
export function parseDuration(text: string, units: readonly DurationUnit[] = Object.keys(UNIT_MS) as DurationUnit[]): number | undefined {
  const trimmed = text.trim();
  const sign = trimmed.startsWith("-") ? -1 : 1;
  const body = trimmed.replace(/^-\s*/, "");
  if (body === "") return undefined;
  let ms = 0;
  let end = 0;
  TERM.lastIndex = 0;
  for (let match = TERM.exec(body); match; match = TERM.exec(body)) {
    const unit = match[2] as DurationUnit;
    if (!units.includes(unit)) return undefined;
    ms += Number(match[1]) * UNIT_MS[unit];
    end = TERM.lastIndex;
    // a space may separate two terms (`1h 30m`)
    while (body[TERM.lastIndex] === " ") TERM.lastIndex += 1;
  }
  return end === body.length ? sign * ms : undefined;
}
