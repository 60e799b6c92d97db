// Turns what the app passed into plain JSON, or says why it cannot go on the wire.
import { invalidInput, type OnrampError } from './errors.js';
import type { JsonObject } from './types.js';

export type Checked = { ok: true; value: JsonObject } | { ok: false; error: OnrampError };

/**
 * A JSON round trip: drops undefined and functions, turns Dates into ISO strings, and
 * removes `__proto__` keys (and `constructor.prototype`) at any depth, which the engine
 * refuses and which must never reach a prototype. Cycles and BigInts are reported.
 */
export function toJsonObject(value: unknown, field: string): Checked {
  if (value === undefined || value === null) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: invalidInput(field, 'must be an object') };
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: invalidInput(field, `is not JSON-serializable: ${reason}`) };
  }
  const parsed: unknown = JSON.parse(text, withoutPrototypeKeys);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: invalidInput(field, 'must be an object') };
  }
  return { ok: true, value: parsed as JsonObject };
}

/** A JSON.parse reviver that removes `__proto__` and `constructor.prototype` keys. */
export function withoutPrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined;
  if (
    key === 'constructor' &&
    typeof value === 'object' &&
    value !== null &&
    Object.prototype.hasOwnProperty.call(value, 'prototype')
  ) {
    return undefined;
  }
  return value;
}

/** JSON.parse that never throws (storage written by someone else). */
export function parseOr<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text, withoutPrototypeKeys) as T;
  } catch {
    return fallback;
  }
}

/** UTF-8 size of a string, without TextEncoder allocations per character. */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
