/**
 * Stable short keys for the counters and trackers conditions keep on profiles:
 * a 64-bit FNV-1a digest of the canonical JSON of what defines them (object keys
 * sorted), so the same filter or sequence written anywhere, in any key order,
 * in any config version, keeps the same key, and its counts survive reloads.
 */
import type { JsonValue } from '../json/json.js';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
}

/** 64-bit FNV-1a over the UTF-16 code units, in base 36 (≤ 13 characters). */
export function digest(text: string): string {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    hash = ((hash ^ BigInt(unit & 0xff)) * FNV_PRIME) & MASK;
    hash = ((hash ^ BigInt(unit >> 8)) * FNV_PRIME) & MASK;
  }
  return hash.toString(36);
}

/** Key of a filtered event counter in ProfileState.derived. */
export function derivedCounterKey(name: string, where: JsonValue): string {
  return `e${digest(canonicalJson([name, where]))}`;
}

/** Key of a `$sequence` tracker in ProfileState.sequences. */
export function sequenceKey(steps: readonly string[], withinMs: number): string {
  return `s${digest(canonicalJson([...steps, withinMs]))}`;
}
