/**
 * Version comparison ($veq $vne $vgt $vgte $vlt $vlte), part by part, with the
 * ordering of GrowthBook's padded version strings made explicit:
 * - a value is a string (or a non-negative number, read as its decimal text),
 *   spaces trimmed, a leading "v" and a "+build" suffix dropped, then parts split
 *   on "." and "-"; each part non-empty, of [0-9A-Za-z] only; otherwise it is not
 *   a version and every version operator is false;
 * - a version of exactly three parts (a release: 1.2.3) gets a final RELEASE part
 *   that sorts above every pre-release tag, so 1.0.0-rc.1 < 1.0.0;
 * - parts compare in order: numeric parts as numbers (so 1.10 > 1.9), numeric
 *   below non-numeric, non-numeric by UTF-16 code units, RELEASE above all;
 * - when one version is a prefix of the other, the shorter is lower (1.2 < 1.2.0).
 * The literal is parsed once at compile time; the value is scanned in place
 * without allocating (compareVersion is on the hot path).
 */

/** A parsed literal: numbers, strings, and RELEASE last for a release. */
export type VersionPart = number | string;
export const RELEASE = '\u{10FFFF}';
const NOT_A_VERSION = 2;

/** Parses a literal; undefined when it is not a version. */
export function parseVersion(value: unknown): VersionPart[] | undefined {
  const text = versionText(value);
  if (text === undefined) return undefined;
  const bounds = versionBounds(text);
  if (bounds === undefined) return undefined;
  const raw = text.slice(bounds[0], bounds[1]).split(/[.-]/);
  const parts: VersionPart[] = raw.map((part) => (/^[0-9]+$/.test(part) ? Number(part) : part));
  if (parts.length === 3) parts.push(RELEASE);
  return parts;
}

/**
 * Compares a value with a parsed literal: −1, 0 or 1, or 2 when the value is not
 * a version (every operator false).
 */
export function compareVersion(value: unknown, literal: readonly VersionPart[]): number {
  const text = versionText(value);
  if (text === undefined) return NOT_A_VERSION;
  const bounds = versionBounds(text);
  if (bounds === undefined) return NOT_A_VERSION;
  const [from, end] = bounds;
  let parts = 1;
  for (let j = from; j < end; j++) if (isSeparator(text.charCodeAt(j))) parts++;
  let index = 0;
  let start = from;
  for (let j = from; j <= end; j++) {
    if (j < end && !isSeparator(text.charCodeAt(j))) continue;
    if (index >= literal.length) return 1;
    const order = comparePart(text, start, j, literal[index] as VersionPart);
    if (order !== 0) return order;
    index++;
    start = j + 1;
  }
  if (parts === 3) {
    if (index >= literal.length) return 1;
    if (literal[index] !== RELEASE) return 1;
    index++;
  }
  return index < literal.length ? -1 : 0;
}

function versionText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return String(value);
  return undefined;
}

/** [start, end) of the version in text (trimmed, "v" and "+build" dropped), if well-formed. */
function versionBounds(text: string): [number, number] | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  if (start < end && text.charCodeAt(start) === 118) start++; // "v"
  for (let j = start; j < end; j++) {
    if (text.charCodeAt(j) === 43) {
      // "+build": the rest must be [0-9A-Za-z.-]
      for (let k = j + 1; k < end; k++) {
        const c = text.charCodeAt(k);
        if (!isAlphanumeric(c) && !isSeparator(c)) return undefined;
      }
      end = j;
      break;
    }
  }
  if (start >= end) return undefined;
  let previousSeparator = true;
  for (let j = start; j < end; j++) {
    const c = text.charCodeAt(j);
    const separator = isSeparator(c);
    if (separator && previousSeparator) return undefined; // empty part
    if (!separator && !isAlphanumeric(c)) return undefined;
    previousSeparator = separator;
  }
  return previousSeparator ? undefined : [start, end];
}

function comparePart(text: string, start: number, end: number, literal: VersionPart): number {
  let numeric = true;
  for (let j = start; j < end && numeric; j++) numeric = isDigit(text.charCodeAt(j));
  if (numeric) {
    if (typeof literal !== 'number') return -1;
    let value = 0;
    for (let j = start; j < end; j++) value = value * 10 + (text.charCodeAt(j) - 48);
    return value < literal ? -1 : value > literal ? 1 : 0;
  }
  if (typeof literal === 'number') return 1;
  if (literal === RELEASE) return -1;
  const length = end - start;
  for (let j = 0; j < length && j < literal.length; j++) {
    const difference = text.charCodeAt(start + j) - literal.charCodeAt(j);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return length < literal.length ? -1 : length > literal.length ? 1 : 0;
}

function isSeparator(c: number): boolean {
  return c === 46 || c === 45; // "." "-"
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlphanumeric(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
