/**
 * Local time in a user's IANA timezone, with Intl only (no dependency): the
 * local clock reading of an instant, and the instant of a local time of day,
 * DST-correct. A local time that does not exist (the hour skipped when clocks go
 * forward) is moved forward by the length of the gap, one that happens twice
 * (clocks go back) resolves to its first occurrence: Temporal's "compatible"
 * disambiguation, as cron and calendar apps do.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Weekday names as in the rule schema, indexed like Date#getUTCDay (0 = Sunday). */
export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];
/** Every day of the week as a bitmask (bit n = Date#getUTCDay n). */
export const EVERY_DAY = 0b111_1111;

export interface LocalDateTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday, as Date#getUTCDay. */
  weekday: number;
}

/**
 * Formatters by zone name, bounded (there are ~600 IANA zones; a profile's junk
 * zone names can't grow it without limit). One per compiled rule set, not
 * module-wide. An invalid name is remembered as null.
 */
export class TimeZones {
  private readonly formatters = new Map<string, Intl.DateTimeFormat | null>();

  constructor(private readonly maxEntries = 1024) {}

  /** The formatter of a zone, or undefined when the name is not a timezone Intl knows. */
  formatter(zone: string): Intl.DateTimeFormat | undefined {
    let formatter = this.formatters.get(zone);
    if (formatter === undefined) {
      if (this.formatters.size >= this.maxEntries) this.formatters.clear();
      formatter = createFormatter(zone) ?? null;
      this.formatters.set(zone, formatter);
    }
    return formatter ?? undefined;
  }
}

/** Whether Intl knows the zone (an IANA name such as "Europe/Paris", or "UTC"). */
export function isTimeZone(zone: string): boolean {
  return createFormatter(zone) !== undefined;
}

function createFormatter(zone: string): Intl.DateTimeFormat | undefined {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
}

/** "HH:MM" → minutes after midnight; undefined when malformed. */
export function parseLocalTime(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The wall clock reading of an instant in the formatter's zone. */
export function localDateTime(zone: Intl.DateTimeFormat, at: number): LocalDateTime {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of zone.formatToParts(at)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const { year, month, day } = fields;
  return { ...fields, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** Minutes after local midnight of an instant (0–1439). */
export function localMinuteOfDay(zone: Intl.DateTimeFormat, at: number): number {
  const local = localDateTime(zone, at);
  return local.hour * 60 + local.minute;
}

/** The zone's offset from UTC at an instant, in ms (UTC+2 → 7 200 000). */
export function zoneOffset(zone: Intl.DateTimeFormat, at: number): number {
  const local = localDateTime(zone, at);
  const wall = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
  );
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/**
 * The instant at which the zone's clocks read `minuteOfDay` on the given local
 * date (month 1–12; day may overflow, as with Date.UTC). Gaps move forward by
 * their length; repeated times resolve to the first occurrence.
 */
export function localToInstant(
  zone: Intl.DateTimeFormat,
  date: { year: number; month: number; day: number },
  minuteOfDay: number,
): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * MINUTE_MS;
  // Offsets a day either side bracket any transition near this date.
  const before = zoneOffset(zone, wall - DAY_MS);
  const after = zoneOffset(zone, wall + DAY_MS);
  const early = wall - before;
  const late = wall - after;
  const earlyValid = early + zoneOffset(zone, early) === wall;
  const lateValid = late + zoneOffset(zone, late) === wall;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  // In a gap: the pre-transition offset puts it after the jump, shifted by the gap.
  return early;
}

/**
 * The first instant strictly after `after` at which the zone's clocks read
 * `minuteOfDay`, on a weekday in `days` (bitmask, bit n = getUTCDay n).
 */
export function nextLocalTime(
  zone: Intl.DateTimeFormat,
  after: number,
  minuteOfDay: number,
  days: number = EVERY_DAY,
): number {
  const today = localDateTime(zone, after);
  // Eight days: today may be past the time, and the same weekday a week on must be reachable.
  for (let offset = 0; offset <= 8; offset++) {
    const date = { year: today.year, month: today.month, day: today.day + offset };
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    if ((days & (1 << weekday)) === 0) continue;
    const at = localToInstant(zone, date, minuteOfDay);
    if (at > after) return at;
  }
  // Unreachable with a non-empty mask; a safe fallback for an empty one.
  return after + DAY_MS;
}

/** Weekday names → bitmask; every day when absent or empty. */
export function weekdayMask(days: readonly string[] | undefined): number {
  if (days === undefined || days.length === 0) return EVERY_DAY;
  let mask = 0;
  for (const day of days) {
    const index = weekdays.indexOf(day as Weekday);
    if (index >= 0) mask |= 1 << index;
  }
  return mask;
}

/** Whether a minute of the day lies in [from, to), the range possibly spanning midnight. */
export function inLocalRange(minute: number, from: number, to: number): boolean {
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}
