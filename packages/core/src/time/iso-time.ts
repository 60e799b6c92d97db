/**
 * `new Date(ms).toISOString()` without the Date: decide answers and pushes write
 * several times each (reason, steps, validity), and the Date and its formatting
 * cost more than the arithmetic. Years outside 0000–9999 and non-integral or
 * non-finite values go through Date (which throws a RangeError for an invalid time).
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < minMs || ms > maxMs) return new Date(ms).toISOString();
  // The same few times are written again on every re-decide of a subscribed user: the
  // text of a recent one is handed out again instead of being built anew.
  const slot = ms & (cacheSlots - 1);
  if (cachedTimes[slot] === ms) return cachedTexts[slot] as string;
  const text = formatTime(ms);
  cachedTimes[slot] = ms;
  cachedTexts[slot] = text;
  return text;
}

/** Recently written times and their text: direct-mapped by the low bits of the time. */
const cacheSlots = 4096;
const cachedTimes = new Float64Array(cacheSlots).fill(Number.NaN);
const cachedTexts: (string | undefined)[] = new Array<string | undefined>(cacheSlots).fill(
  undefined,
);

function formatTime(ms: number): string {
  const days = Math.floor(ms / dayMs);
  const inDay = ms - days * dayMs;
  if (days !== lastDays) {
    lastDays = days;
    lastPrefix = datePrefix(days);
  }
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor(inDay / 60_000) % 60;
  const seconds = Math.floor(inDay / 1000) % 60;
  return `${lastPrefix}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(inDay % 1000)}Z`;
}

/** The last day formatted: the times of one answer are mostly of a few days. */
let lastDays = Number.NaN;
let lastPrefix = '';

/** `YYYY-MM-DDT` of a day since 1970-01-01 (civil from days, after H. Hinnant). */
function datePrefix(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}T`;
}

const dayMs = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const minMs = -62_167_219_200_000;
const maxMs = 253_402_300_799_999;

const pad2 = (value: number): string => (value < 10 ? `0${value}` : `${value}`);
const pad3 = (value: number): string =>
  value < 10 ? `00${value}` : value < 100 ? `0${value}` : `${value}`;
const pad4 = (value: number): string =>
  value < 10 ? `000${value}` : value < 100 ? `00${value}` : value < 1000 ? `0${value}` : `${value}`;
