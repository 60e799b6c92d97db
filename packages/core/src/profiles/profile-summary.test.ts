import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import type { OnrampEvent } from '../events/event.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import { applyEvent, compileProfilePlan, createProfile } from './apply-event.js';
import type { ProfileState } from './profile.js';
import { summarizeProfile } from './profile-summary.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const settings = Value.Default(ProfileSettingsSchema, {}) as ProfileSettings;
const plan = compileProfilePlan({
  ...settings,
  engagement: { window: '7d', weights: { 'Report Created': 10 }, max: 100 },
});

function event(fields: Partial<OnrampEvent>): OnrampEvent {
  return {
    type: 'track',
    messageId: 'm',
    anonymousId: 'a1',
    timestamp: T0,
    receivedAt: T0,
    ...fields,
  };
}

function sampleProfile(): ProfileState {
  const state = createProfile('p1', T0);
  state.userId = 'u1';
  state.anonymousIds.push('a1');
  const events = [
    event({
      type: 'identify',
      traits: { plan: 'team', tags: ['a'] },
      timestamp: T0 - 2 * 60 * MIN,
    }),
    event({
      type: 'page',
      timestamp: T0 - 2 * 60 * MIN,
      context: { page: { path: '/welcome' }, campaign: { source: 'google' }, locale: 'fr-FR' },
    }),
    event({ type: 'group', groupId: 'acme', traits: { name: 'Acme' }, timestamp: T0 - 10 * MIN }),
    event({
      event: 'Report Created',
      timestamp: T0 - 10 * MIN,
      context: { consent: { categoryPreferences: { ads: false } } },
    }),
    event({
      event: 'Report Created',
      timestamp: T0 - 5 * MIN,
      context: { page: { path: '/reports' } },
    }),
  ];
  for (const e of events) applyEvent(state, e, plan, T0);
  return state;
}

test('the summary is the public JSON view of a profile', () => {
  const summary = summarizeProfile(sampleProfile(), plan, T0);
  assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary, 'plain JSON');
  assert.equal(summary.profileId, 'p1');
  assert.equal(summary.userId, 'u1');
  assert.deepEqual(summary.anonymousIds, ['a1']);
  assert.equal(summary.version, 5);
  assert.equal(summary.firstSeen, new Date(T0 - 2 * 60 * MIN).toISOString());
  assert.equal(summary.lastSeen, new Date(T0 - 5 * MIN).toISOString());
  assert.deepEqual(summary.traits, { plan: 'team', tags: ['a'] });
  assert.deepEqual(summary.groups, { acme: { name: 'Acme' } });
  assert.deepEqual(summary.consent, {
    categories: { ads: false },
    updatedAt: new Date(T0 - 10 * MIN).toISOString(),
  });
  assert.deepEqual(summary.firstTouch, {
    at: new Date(T0 - 2 * 60 * MIN).toISOString(),
    utm: { source: 'google' },
    page: '/welcome',
    locale: 'fr-FR',
  });
  assert.deepEqual(summary.lastTouch, {
    at: new Date(T0 - 5 * MIN).toISOString(),
    page: '/reports',
  });
  // The API's key order, utm nested and last, whatever the state's layout.
  assert.deepEqual(Object.keys(summary.firstTouch ?? {}), ['at', 'page', 'locale', 'utm']);
  assert.equal(summary.sessions.current?.id, `p1:${(T0 - 10 * MIN).toString(36)}`);
  assert.equal(summary.sessions.count, 2);
  assert.equal(summary.sessions.current?.active, true);
  assert.deepEqual(summary.metrics.events['Report Created'], {
    firstSeen: new Date(T0 - 10 * MIN).toISOString(),
    lastSeen: new Date(T0 - 5 * MIN).toISOString(),
    total: 2,
    windows: { '1h': 2, '24h': 2, '7d': 2, '30d': 2 },
  });
  assert.deepEqual(summary.metrics.events['$page']?.windows, {
    '1h': 0,
    '24h': 1,
    '7d': 1,
    '30d': 1,
  });
  assert.equal(summary.metrics.eventCount, 5);
  assert.equal(summary.metrics.untrackedEvents, 0);
  assert.equal(summary.metrics.engagementScore, 20);
});

test('an empty profile summarizes with nulls', () => {
  const summary = summarizeProfile(createProfile('p0', T0), plan, T0);
  assert.equal(summary.userId, null);
  assert.equal(summary.consent, null);
  assert.equal(summary.firstTouch, null);
  assert.equal(summary.lastTouch, null);
  assert.equal(summary.sessions.current, null);
  assert.deepEqual(summary.metrics.events, {});
  assert.equal(summary.metrics.engagementScore, 0);
});

test('the summary shares nothing mutable with the state', () => {
  const state = sampleProfile();
  const summary = summarizeProfile(state, plan, T0);
  (summary.traits['tags'] as string[]).push('b');
  (summary.groups['acme'] as Record<string, unknown>)['name'] = 'changed';
  summary.anonymousIds.push('x');
  if (summary.firstTouch?.utm) summary.firstTouch.utm.source = 'changed';
  assert.deepEqual(state.traits['tags'], ['a']);
  assert.deepEqual(state.groups?.['acme'], { name: 'Acme' });
  assert.deepEqual(state.anonymousIds, ['a1']);
  assert.equal(state.firstTouch?.utmSource, 'google');
});

test('a __proto__ key in a loaded state stays out of the summary', () => {
  const state = JSON.parse(JSON.stringify(sampleProfile())) as ProfileState;
  Object.defineProperty(state.traits, '__proto__', { value: { polluted: true }, enumerable: true });
  const summary = summarizeProfile(state, plan, T0);
  assert.deepEqual(Object.keys(summary.traits), ['plan', 'tags']);
  assert.equal(Object.getPrototypeOf(summary.traits), Object.prototype);
});

test('every touch field and utm parameter reaches the summary', () => {
  const state = createProfile('p2', T0);
  const context = {
    campaign: { source: 's', medium: 'm', name: 'n', term: 't', content: 'c' },
    page: { path: '/p', referrer: 'https://r.test/' },
    device: { type: 'mobile' },
    os: { name: 'iOS' },
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    locale: 'en-US',
    timezone: 'UTC',
  };
  applyEvent(state, event({ event: 'E', context, traits: { signup_source: 'ad' } }), plan, T0);
  // Compared as text: the key order is part of the API's shape.
  const expected = {
    at: new Date(T0).toISOString(),
    referrer: 'https://r.test/',
    signupSource: 'ad',
    page: '/p',
    device: 'mobile',
    os: 'iOS',
    browser: 'Firefox',
    locale: 'en-US',
    timezone: 'UTC',
    utm: { source: 's', medium: 'm', campaign: 'n', term: 't', content: 'c' },
  };
  const summary = summarizeProfile(state, plan, T0);
  assert.equal(JSON.stringify(summary.firstTouch), JSON.stringify(expected));
});
