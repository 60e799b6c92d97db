/**
 * Touches: where a person came from and on what, read from Segment's `context`.
 *
 * First touch is the context of the earliest event that had any (a late event
 * with an earlier timestamp replaces it); last touch is the whole context of the
 * latest such event. Fields a newer touch lacks are NOT filled from older ones:
 * a touch is one event's view, never a blend of several.
 *
 * Stored touches hold only the fields the event had (no undefined slots) and a
 * string equal to the first touch's is that very string, so a profile keeps one
 * copy of what its first and last touch share (locale, timezone, referrer…).
 */
import type { OnrampEvent } from '../events/event.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json.js';
import type { ProfileState, TouchContext } from './profile.js';

const MAX_LENGTH = 256;

/**
 * The touch an event carries, or undefined when it carries none. Strings only,
 * ≤ 256 chars; strings equal to those of `like` (the first touch) are taken from it.
 */
export function readTouchContext(
  event: OnrampEvent,
  like?: TouchContext,
): TouchContext | undefined {
  const context = event.context;
  if (context === undefined && event.traits === undefined && event.properties === undefined) {
    return undefined;
  }
  const page = objectAt(context, 'page');
  const utm = readUtm(objectAt(context, 'campaign'), page);
  const referrer = text(objectAt(context, 'referrer')?.['url']) ?? text(page?.['referrer']);
  const signupSource = readSignupSource(event);
  const path = text(page?.['path']) ?? text(page?.['url']);
  const device = text(objectAt(context, 'device')?.['type']);
  const os = text(objectAt(context, 'os')?.['name']);
  const userAgent = text(context?.['userAgent']);
  const locale = text(context?.['locale']);
  const timezone = text(context?.['timezone']);
  if (
    (utm ?? referrer ?? signupSource ?? path ?? device ?? os ?? userAgent ?? locale ?? timezone) ===
    undefined
  ) {
    return undefined;
  }
  // Present fields only: no undefined slots (see profile.ts).
  const touch: TouchContext = { at: event.timestamp };
  if (utm !== undefined) addUtm(touch, utm, like);
  if (referrer !== undefined) touch.referrer = same(referrer, like?.referrer);
  if (signupSource !== undefined) touch.signupSource = same(signupSource, like?.signupSource);
  if (path !== undefined) touch.page = same(path, like?.page);
  if (device !== undefined) touch.device = same(device, like?.device);
  if (os !== undefined) touch.os = same(os, like?.os);
  if (userAgent !== undefined) touch.browser = browserName(userAgent);
  if (locale !== undefined) touch.locale = same(locale, like?.locale);
  if (timezone !== undefined) touch.timezone = same(timezone, like?.timezone);
  return touch;
}

/** Folds a touch into the profile; returns whether first or last touch changed. */
export function updateTouch(state: ProfileState, touch: TouchContext): boolean {
  let changed = false;
  if (state.firstTouch === undefined || touch.at < state.firstTouch.at) {
    state.firstTouch = touch;
    changed = true;
  }
  // Ties go to the event processed later: it is the later one in the log.
  if (state.lastTouch === undefined || touch.at >= state.lastTouch.at) {
    state.lastTouch = touch;
    changed = true;
  }
  return changed;
}

/** A short browser name from a user agent; order matters, as Edge and Opera also say "Chrome". */
export function browserName(userAgent: string): string {
  if (/\bEdg(?:e|A|iOS)?\//.test(userAgent)) return 'Edge';
  if (/\b(?:OPR|Opera|SamsungBrowser|YaBrowser|UCBrowser)\b/.test(userAgent)) return 'Other';
  if (/\b(?:Firefox|FxiOS)\//.test(userAgent)) return 'Firefox';
  if (/\b(?:Chrome|CriOS|Chromium)\//.test(userAgent)) return 'Chrome';
  // Two plain tests rather than one /Version.*Safari/: no backtracking on long input.
  if (/\bSafari\//.test(userAgent) && /\bVersion\//.test(userAgent)) return 'Safari';
  return 'Other';
}

/** `value`, or `shared` itself when equal: one copy of a string both touches hold. */
function same(value: string, shared: string | undefined): string {
  return value === shared ? shared : value;
}

/** utm_* values, in the order of the touch fields. */
type Utm = [
  source: string | undefined,
  medium: string | undefined,
  campaign: string | undefined,
  term: string | undefined,
  content: string | undefined,
];

/** context.campaign wins field by field; utm_* query parameters of the page fill the rest. */
function readUtm(campaign: JsonObject | undefined, page: JsonObject | undefined): Utm | undefined {
  const query = utmQuery(page);
  if (campaign === undefined && query === undefined) return undefined;
  const params = query === undefined ? undefined : new URLSearchParams(query);
  const utm: Utm = [
    text(campaign?.['source']) ?? param(params, 'utm_source'),
    text(campaign?.['medium']) ?? param(params, 'utm_medium'),
    text(campaign?.['name']) ?? param(params, 'utm_campaign'),
    text(campaign?.['term']) ?? param(params, 'utm_term'),
    text(campaign?.['content']) ?? param(params, 'utm_content'),
  ];
  return utm.some((value) => value !== undefined) ? utm : undefined;
}

function addUtm(touch: TouchContext, utm: Utm, like: TouchContext | undefined): void {
  const [source, medium, campaign, term, content] = utm;
  if (source !== undefined) touch.utmSource = same(source, like?.utmSource);
  if (medium !== undefined) touch.utmMedium = same(medium, like?.utmMedium);
  if (campaign !== undefined) touch.utmCampaign = same(campaign, like?.utmCampaign);
  if (term !== undefined) touch.utmTerm = same(term, like?.utmTerm);
  if (content !== undefined) touch.utmContent = same(content, like?.utmContent);
}

function param(params: URLSearchParams | undefined, name: string): string | undefined {
  return text(params?.get(name) ?? undefined);
}

/** The query string of the page, only when it has utm_ parameters (parsing costs). */
function utmQuery(page: JsonObject | undefined): string | undefined {
  const search = page?.['search'];
  if (typeof search === 'string' && search.includes('utm_')) return search;
  const url = page?.['url'];
  if (typeof url !== 'string' || !url.includes('utm_')) return undefined;
  const start = url.indexOf('?');
  if (start < 0) return undefined;
  const end = url.indexOf('#', start);
  return url.slice(start + 1, end < 0 ? undefined : end);
}

function readSignupSource(event: OnrampEvent): string | undefined {
  return (
    text(event.traits?.['signup_source']) ??
    text(event.traits?.['signupSource']) ??
    text(event.properties?.['signup_source'])
  );
}

function objectAt(object: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = object?.[key];
  return isJsonObject(value) ? value : undefined;
}

/** A non-empty string, truncated; anything else is absent. */
function text(value: JsonValue | undefined): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (value.length <= MAX_LENGTH) return value;
  // Never cut a surrogate pair in half.
  const high = value.charCodeAt(MAX_LENGTH - 1);
  const end = high >= 0xd800 && high <= 0xdbff ? MAX_LENGTH - 1 : MAX_LENGTH;
  // A plain slice would keep the whole original string alive (V8 sliced strings);
  // the JSON round trip makes a flat copy. Rare: only for over-long values.
  return JSON.parse(JSON.stringify(value.slice(0, end))) as string;
}
