import type { Json, JsonObject } from '@onramp/sdk';
import { decodeEntities } from './decode-entities.js';

/** A string field, or undefined when absent, empty or not a string. */
export function stringField(fields: JsonObject | undefined, name: string): string | undefined {
  const value = fields?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface CallToAction {
  label: string;
  url: string | undefined;
}

/** `cta: { label, url }` (url optional; unsafe schemes dropped). */
export function ctaField(fields: JsonObject | undefined): CallToAction | undefined {
  const cta = asObject(fields?.['cta']);
  const label = stringField(cta, 'label');
  if (label === undefined) return undefined;
  return { label, url: safeUrl(stringField(cta, 'url')) };
}

export function asObject(value: Json | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/**
 * A link target from content, or undefined: relative URLs, `http:`, `https:` and
 * `mailto:` pass; `javascript:`, `data:` and any other scheme do not (a trait value
 * in a URL template must not become script).
 */
export function safeUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = decodeEntities(value).trim();
  // eslint-disable-next-line no-control-regex
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/[\u0000-\u0020]/g, ''));
  if (scheme === null) return url;
  return ['http', 'https', 'mailto'].includes(scheme[1]!.toLowerCase()) ? url : undefined;
}

/** A string field with the server's HTML escaping undone: for selectors, labels, attributes. */
export function textField(fields: JsonObject | undefined, name: string): string | undefined {
  const value = stringField(fields, name);
  return value === undefined ? undefined : decodeEntities(value);
}
