/**
 * What a client may send over the decision WebSocket: a change of its request
 * context (docs/realtime.md#decision-stream). Checked field by field; input keys
 * never reach a prototype (JSON.parse makes `__proto__` an own key, refused here).
 */
import type { FieldError, JsonObject } from '@onramp/core';

/** `{ "type": "context", … }`: absent fields keep their current value. */
export interface ContextChange {
  /** Placement ids; [] for every placement of the config. */
  placements?: string[];
  locale?: string;
  /** The page URL: sets context.page { url, path }. */
  url?: string;
  /** Replaces the request context (its `page` is kept unless given here or by `url`). */
  context?: JsonObject;
  flows?: boolean;
  /** true: every flag; keys: these flags; false: none. */
  flags?: boolean | string[];
}

export type ParsedClientMessage =
  { ok: true; change: ContextChange } | { ok: false; message: string; errors: FieldError[] };

const maxPlacements = 50;
const maxFlags = 100;
const maxContextDepth = 8;
const maxErrors = 20;
const knownFields = new Set(['type', 'placements', 'locale', 'url', 'context', 'flows', 'flags']);

/** Parses one text frame; never throws. */
export function parseClientMessage(text: string): ParsedClientMessage {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return failed([{ field: 'message', message: 'is not valid JSON' }]);
  }
  if (!isPlainObject(input)) {
    return failed([{ field: 'message', message: 'must be a JSON object' }]);
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (!knownFields.has(key)) errors.push({ field: key, message: 'is not a known field' });
  }
  if (input.type !== 'context') errors.push({ field: 'type', message: 'must be "context"' });
  const change: ContextChange = {};
  const { placements, locale, url, context, flows, flags } = input;
  if (placements !== undefined) {
    if (!Array.isArray(placements) || placements.length > maxPlacements) {
      errors.push({
        field: 'placements',
        message: `must be an array of at most ${maxPlacements} placement ids`,
      });
    } else {
      placements.forEach((id: unknown, i) => {
        if (typeof id !== 'string' || id.length === 0 || id.length > 100) {
          errors.push({ field: `placements.${i}`, message: 'must be a placement id' });
        }
      });
      change.placements = placements as string[];
    }
  }
  if (locale !== undefined) {
    if (typeof locale === 'string' && locale.length > 0 && locale.length <= 35) {
      change.locale = locale;
    } else errors.push({ field: 'locale', message: 'must be a locale tag such as "fr-CA"' });
  }
  if (url !== undefined) {
    if (typeof url === 'string' && url.length <= 2000) change.url = url;
    else errors.push({ field: 'url', message: 'must be a string of at most 2000 characters' });
  }
  if (context !== undefined) {
    if (isPlainObject(context)) {
      checkJson(context, 'context', 1, errors);
      change.context = context as JsonObject;
    } else errors.push({ field: 'context', message: 'must be a JSON object' });
  }
  if (flows !== undefined) {
    if (typeof flows === 'boolean') change.flows = flows;
    else errors.push({ field: 'flows', message: 'must be true or false' });
  }
  if (flags !== undefined) {
    const checked = checkFlags(flags, errors);
    if (checked !== undefined) change.flags = checked;
  }
  return errors.length > 0 ? failed(errors.slice(0, maxErrors)) : { ok: true, change };
}

/** true, false, or an array of flag keys (known keys are checked by decide's validate). */
function checkFlags(flags: unknown, errors: FieldError[]): boolean | string[] | undefined {
  if (typeof flags === 'boolean') return flags;
  if (!Array.isArray(flags) || flags.length > maxFlags) {
    errors.push({
      field: 'flags',
      message: `must be true, false or an array of at most ${maxFlags} flag keys`,
    });
    return undefined;
  }
  const before = errors.length;
  flags.forEach((key: unknown, i) => {
    if (typeof key !== 'string' || key.length === 0 || key.length > 100) {
      errors.push({ field: `flags.${i}`, message: 'must be a flag key' });
    }
  });
  return errors.length > before ? undefined : (flags as string[]);
}

function failed(errors: FieldError[]): ParsedClientMessage {
  return {
    ok: false,
    message: errors.map(({ field, message }) => `${field}: ${message}`).join('; '),
    errors,
  };
}

/** Refuses `__proto__` keys and nesting deeper than maxContextDepth (JSON.parse made the rest). */
function checkJson(value: unknown, field: string, depth: number, errors: FieldError[]): void {
  if (typeof value !== 'object' || value === null || errors.length >= maxErrors) return;
  if (depth > maxContextDepth) {
    errors.push({ field, message: `must not nest deeper than ${maxContextDepth} levels` });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__') errors.push({ field: `${field}.${key}`, message: 'is not allowed' });
    else checkJson(item, `${field}.${key}`, depth + 1, errors);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
