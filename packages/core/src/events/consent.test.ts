import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../json/json.js';
import type { ConsentState } from '../profiles/profile.js';
import type { ConsentSettings } from '../settings/workspace-settings.js';
import {
  checkConsent,
  compileConsentPolicy,
  consentPreferenceUpdatedEvent,
  readConsentPreferences,
} from './consent.js';
import type { OnrampEvent } from './event.js';

function event(fields: Partial<OnrampEvent>): OnrampEvent {
  return { type: 'track', messageId: 'm', userId: 'u', timestamp: 0, receivedAt: 0, ...fields };
}

const withPreferences = (categoryPreferences: JsonObject, fields: Partial<OnrampEvent> = {}) =>
  event({ event: 'Clicked', context: { consent: { categoryPreferences } }, ...fields });

const stored = (categories: Record<string, boolean>): ConsentState => ({
  categories,
  updatedAt: 0,
});

function policy(overrides: Partial<ConsentSettings> = {}) {
  return compileConsentPolicy({
    purposes: { Clicked: 'Analytics', $page: 'Analytics', $identify: 'Functional' },
    whenUnknown: 'deny',
    ...overrides,
  });
}

describe('readConsentPreferences', () => {
  it('reads boolean preferences only', () => {
    assert.deepEqual(readConsentPreferences(withPreferences({ A: true, B: false, C: 'yes' })), {
      A: true,
      B: false,
    });
    assert.deepEqual(readConsentPreferences(withPreferences({})), {});
  });

  it('is undefined without a consent object', () => {
    assert.equal(readConsentPreferences(event({})), undefined);
    assert.equal(readConsentPreferences(event({ context: { consent: 'all' } })), undefined);
    assert.equal(
      readConsentPreferences(event({ context: { consent: { categoryPreferences: [true] } } })),
      undefined,
    );
  });

  it('drops unsafe keys', () => {
    const preferences = JSON.parse('{"__proto__":true,"constructor":true,"A":true}') as JsonObject;
    const read = readConsentPreferences(withPreferences(preferences));
    assert.deepEqual(read, { A: true });
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
  });
});

describe('checkConsent', () => {
  it('allows events without a purpose', () => {
    assert.deepEqual(checkConsent(policy(), event({ event: 'Other' })), { allowed: true });
    assert.deepEqual(checkConsent(policy({ purposes: {} }), event({ event: 'Clicked' })), {
      allowed: true,
    });
  });

  it("decides by the event's own preferences first", () => {
    const denied = stored({ Analytics: false });
    assert.deepEqual(checkConsent(policy(), withPreferences({ Analytics: true }), denied), {
      allowed: true,
      category: 'Analytics',
    });
    const granted = stored({ Analytics: true });
    assert.equal(
      checkConsent(policy({ whenUnknown: 'allow' }), withPreferences({ Analytics: false }), granted)
        .allowed,
      false,
    );
  });

  it('falls back to the stored consent when the event states nothing for the category', () => {
    const clicked = withPreferences({ Advertising: true, Analytics: 'maybe' });
    assert.equal(checkConsent(policy(), clicked, stored({ Analytics: true })).allowed, true);
    assert.equal(
      checkConsent(policy({ whenUnknown: 'allow' }), clicked, stored({ Analytics: false })).allowed,
      false,
    );
  });

  it('uses whenUnknown when neither the event nor the profile says anything', () => {
    const clicked = withPreferences({});
    assert.equal(checkConsent(policy(), clicked).allowed, false);
    assert.equal(checkConsent(policy(), clicked, stored({ Other: true })).allowed, false);
    assert.equal(checkConsent(policy({ whenUnknown: 'allow' }), clicked).allowed, true);
    // A category named like an Object.prototype key is not "stated" by every profile.
    const odd = policy({ purposes: { '*': 'constructor' } });
    assert.equal(checkConsent(odd, clicked, stored({})).allowed, false);
  });

  it('finds the category by metric name, then "*"', () => {
    const page = event({ type: 'page', context: { consent: { categoryPreferences: {} } } });
    assert.equal(checkConsent(policy(), page).category, 'Analytics');
    const identify = event({ type: 'identify' });
    assert.equal(checkConsent(policy(), identify, stored({ Functional: true })).allowed, true);
    const catchAll = policy({ purposes: { '*': 'Marketing', Clicked: 'Analytics' } });
    assert.deepEqual(checkConsent(catchAll, event({ type: 'group', groupId: 'g' })), {
      allowed: false,
      category: 'Marketing',
    });
    assert.equal(checkConsent(catchAll, event({ event: 'Clicked' })).category, 'Analytics');
  });

  it('always allows the consent change itself', () => {
    const all = policy({ purposes: { '*': 'Analytics' } });
    const change = withPreferences({ Analytics: false }, { event: consentPreferenceUpdatedEvent });
    assert.deepEqual(checkConsent(all, change, stored({ Analytics: false })), { allowed: true });
    // Only as a track event name.
    assert.equal(
      checkConsent(all, event({ type: 'page', name: consentPreferenceUpdatedEvent })).allowed,
      false,
    );
  });
});
