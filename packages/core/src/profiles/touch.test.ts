import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import { createProfile } from './apply-event.js';
import type { ProfileState, TouchContext } from './profile.js';
import { browserName, readTouchContext, updateTouch } from './touch.js';

const T0 = Date.UTC(2026, 0, 1);
const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function event(fields: Partial<OnrampEvent> = {}): OnrampEvent {
  return {
    type: 'page',
    messageId: 'm1',
    anonymousId: 'a1',
    timestamp: T0,
    receivedAt: T0,
    ...fields,
  };
}

/** The touch as a plain value, asserting it holds no undefined slot (present fields only). */
function plain(touch: TouchContext | undefined): unknown {
  if (touch === undefined) return undefined;
  for (const [key, value] of Object.entries(touch)) assert.notEqual(value, undefined, key);
  return { ...touch };
}

test('reads every field of a browser context', () => {
  const context: JsonObject = {
    campaign: { name: 'spring', source: 'google', medium: 'cpc', term: 'crm', content: 'ad-1' },
    page: { path: '/pricing', url: 'https://app.test/pricing', referrer: 'https://old.test/' },
    referrer: { url: 'https://news.test/' },
    device: { type: 'mobile' },
    os: { name: 'iOS' },
    userAgent: CHROME_UA,
    locale: 'en-US',
    timezone: 'Europe/Paris',
  };
  const touch = readTouchContext(event({ context, properties: { signup_source: 'ad' } }));
  assert.deepEqual(plain(touch), {
    at: T0,
    utmCampaign: 'spring',
    utmSource: 'google',
    utmMedium: 'cpc',
    utmTerm: 'crm',
    utmContent: 'ad-1',
    referrer: 'https://news.test/',
    signupSource: 'ad',
    page: '/pricing',
    device: 'mobile',
    os: 'iOS',
    browser: 'Chrome',
    locale: 'en-US',
    timezone: 'Europe/Paris',
  });
});

test('utm parameters of the page fill what context.campaign lacks', () => {
  const url = 'https://app.test/?utm_source=news&utm_medium=email&utm_term=a%20b#utm_content=x';
  const touch = readTouchContext(
    event({ context: { campaign: { source: 'ads' }, page: { url, referrer: '' } } }),
  );
  assert.deepEqual(plain(touch), {
    at: T0,
    utmSource: 'ads',
    utmMedium: 'email',
    utmTerm: 'a b',
    page: url,
  });
  const fromSearch = readTouchContext(
    event({ context: { page: { search: '?utm_campaign=launch' } } }),
  );
  assert.deepEqual(plain(fromSearch), { at: T0, utmCampaign: 'launch' });
});

test('signup source comes from traits first, in either spelling', () => {
  assert.equal(
    readTouchContext(event({ traits: { signupSource: 'invite' } }))?.signupSource,
    'invite',
  );
  const both = event({ traits: { signup_source: 'ad' }, properties: { signup_source: 'x' } });
  assert.equal(readTouchContext(both)?.signupSource, 'ad');
});

test('no touch data, empty strings and non-strings give undefined', () => {
  assert.equal(readTouchContext(event()), undefined);
  assert.equal(
    readTouchContext(event({ context: { library: { name: 'analytics-node' } } })),
    undefined,
  );
  const junk = {
    locale: 42,
    timezone: '',
    page: 'not an object',
    device: { type: null },
    userAgent: [1],
  };
  assert.equal(readTouchContext(event({ context: junk as unknown as JsonObject })), undefined);
});

test('strings are truncated to 256 characters, never inside a surrogate pair', () => {
  const touch = readTouchContext(event({ context: { locale: 'x'.repeat(10_000) } }));
  assert.equal(touch?.locale, 'x'.repeat(256));
  const emoji = readTouchContext(event({ context: { timezone: `${'y'.repeat(255)}😀tail` } }));
  assert.equal(emoji?.timezone, 'y'.repeat(255));
});

test('a __proto__ key in the context reaches no prototype', () => {
  const context = JSON.parse('{"__proto__": {"locale": "evil"}, "timezone": "UTC"}') as JsonObject;
  const touch = readTouchContext(event({ context }));
  assert.equal(touch?.locale, undefined);
  assert.equal(touch?.timezone, 'UTC');
  assert.equal(({} as Record<string, unknown>)['locale'], undefined);
});

test('browser names from common user agents', () => {
  const cases: [string, string][] = [
    [CHROME_UA, 'Chrome'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0 Mobile/15E148 Safari/604.1',
      'Chrome',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
      'Safari',
    ],
    [`${CHROME_UA} Edg/124.0.2478.51`, 'Edge'],
    [`${CHROME_UA} OPR/109.0.0.0`, 'Other'],
    ['curl/8.5.0', 'Other'],
  ];
  for (const [ua, name] of cases) assert.equal(browserName(ua), name, ua);
});

function profile(): ProfileState {
  return createProfile('p1', T0);
}

test('first touch is the earliest, last touch the latest, each a whole context', () => {
  const state = profile();
  const a: TouchContext = { at: T0, utmSource: 'google', page: '/' };
  const b: TouchContext = { at: T0 + 1000, page: '/pricing' };
  const late: TouchContext = { at: T0 - 1000, referrer: 'https://r.test/' };
  assert.equal(updateTouch(state, a), true);
  assert.equal(state.firstTouch, a);
  assert.equal(state.lastTouch, a);
  assert.equal(updateTouch(state, b), true);
  assert.equal(state.lastTouch, b, 'the utm of a is not carried over');
  assert.equal(updateTouch(state, late), true);
  assert.equal(state.firstTouch, late);
  assert.equal(state.lastTouch, b);
  const between: TouchContext = { at: T0 + 500, page: '/x' };
  assert.equal(updateTouch(state, between), false);
  const tie: TouchContext = { at: T0 + 1000, page: '/tie' };
  assert.equal(updateTouch(state, tie), true);
  assert.equal(state.lastTouch, tie);
});

test('reading with the first touch at hand (to share its strings) changes no value', () => {
  const first = readTouchContext(event({ context: { timezone: 'Europe/Paris', locale: 'en-US' } }));
  const later = event({
    timestamp: T0 + 1000,
    context: { timezone: 'Europe/Paris', os: { name: 'iOS' } },
  });
  assert.deepEqual(plain(readTouchContext(later, first)), {
    at: T0 + 1000,
    os: 'iOS',
    timezone: 'Europe/Paris',
  });
  assert.equal(readTouchContext(event({ context: { timezone: 'UTC' } }), first)?.timezone, 'UTC');
});
