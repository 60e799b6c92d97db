import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConsentState } from '../profiles/profile.js';
import type {
  ConsentSettings,
  IngestSettings,
  TrackingPlanSettings,
} from '../settings/workspace-settings.js';
import { compileConsentPolicy } from './consent.js';
import type { OnrampEvent } from './event.js';
import { prepareMessages, type PrepareOptions } from './prepare-messages.js';
import { compileTrackingPlan } from './tracking-plan.js';

const receivedAt = Date.UTC(2024, 4, 1, 12);
const settings: IngestSettings = {
  dedupWindow: '24h',
  maxMessageBytes: 2048,
  maxBatchBytes: 500 * 1024,
  skewCorrection: true,
};
const noPlan: TrackingPlanSettings = { mode: 'off', unplannedEvents: 'allow', events: {} };
const noConsent: ConsentSettings = { purposes: {}, whenUnknown: 'allow' };

function options(
  overrides: Partial<PrepareOptions> & {
    plan?: TrackingPlanSettings;
    consentSettings?: ConsentSettings;
  } = {},
): PrepareOptions {
  const { plan = noPlan, consentSettings = noConsent, ...rest } = overrides;
  let next = 0;
  return {
    receivedAt,
    isBatch: true,
    settings,
    trackingPlan: compileTrackingPlan(plan),
    consent: compileConsentPolicy(consentSettings),
    storedConsent: () => undefined,
    newMessageId: () => `gen-${++next}`,
    measureSize: true,
    ...rest,
  };
}

const track = (event: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  userId: 'u1',
  event,
  ...extra,
});

describe('prepareMessages', () => {
  it('keeps good events in order and rejects bad ones by index and path', () => {
    const inputs = [
      track('A'),
      { type: 'track', event: 'B' },
      'not an object',
      track('C', { properties: { nested: { userId: [] } }, timestamp: 5 }),
      track('D'),
    ];
    const prepared = prepareMessages(inputs, options());
    assert.deepEqual(
      prepared.events.map((e) => e.event),
      ['A', 'D'],
    );
    assert.deepEqual(
      prepared.rejected.map((r) => [r.index, r.reason, r.errors.map((e) => e.field)]),
      [
        [1, 'invalid', ['batch[1].userId']],
        [2, 'invalid', ['batch[2]']],
        [3, 'invalid', ['batch[3].timestamp']],
      ],
    );
    assert.equal(prepared.rejected[0]?.payload, inputs[1]);
  });

  it('uses no prefix and the endpoint type for a single message', () => {
    const single = options({ isBatch: false, endpointType: 'identify' });
    const prepared = prepareMessages([{ anonymousId: 'a1', traits: { plan: 'pro' } }], single);
    assert.equal(prepared.events[0]?.type, 'identify');
    const wrong = prepareMessages([track('A')], single);
    assert.deepEqual(
      wrong.rejected[0]?.errors.map((e) => e.field),
      ['type'],
    );
    const missing = prepareMessages([{ type: 'identify' }], single);
    assert.deepEqual(
      missing.rejected[0]?.errors.map((e) => e.field),
      ['userId'],
    );
  });

  it('ignores the endpoint type for batch items, which must state their own', () => {
    const prepared = prepareMessages([{ userId: 'u' }], options({ endpointType: 'identify' }));
    assert.deepEqual(
      prepared.rejected[0]?.errors.map((e) => e.field),
      ['batch[0].type'],
    );
  });

  it('rejects messages over maxMessageBytes as too_large, counted in UTF-8', () => {
    const big = track('Big', { properties: { text: 'x'.repeat(3000) } });
    const wide = track('Wide', { properties: { text: '€'.repeat(900) } }); // 900 chars, 2700 bytes
    const prepared = prepareMessages([big, track('Small'), wide], options());
    assert.deepEqual(
      prepared.rejected.map((r) => [r.index, r.reason, r.errors[0]?.field]),
      [
        [0, 'too_large', 'batch[0]'],
        [2, 'too_large', 'batch[2]'],
      ],
    );
    assert.equal(prepareMessages([big], options({ measureSize: false })).events.length, 1);
    const single = prepareMessages([big], options({ isBatch: false }));
    assert.equal(single.rejected[0]?.errors[0]?.field, '(root)');
  });

  it('corrects clock skew with the batch sentAt', () => {
    const skewed = track('A', { timestamp: new Date(receivedAt + 3_600_000).toISOString() });
    const batchSentAt = receivedAt + 3_600_000 + 1000;
    const [event] = prepareMessages([skewed], options({ batchSentAt })).events;
    assert.equal(event?.timestamp, receivedAt - 1000);
    assert.equal(event?.messageId, 'gen-1');
  });

  it('dead-letters tracking-plan violations in mode reject, with prefixed fields', () => {
    const plan: TrackingPlanSettings = {
      mode: 'reject',
      unplannedEvents: 'reject',
      events: { A: { properties: { plan: { type: 'string' } } } },
    };
    const prepared = prepareMessages(
      [track('A', { properties: { plan: 1 } }), track('Unplanned'), track('A')],
      options({ plan }),
    );
    assert.equal(prepared.events.length, 1);
    assert.deepEqual(
      prepared.rejected.map((r) => [r.index, r.reason, r.errors]),
      [
        [0, 'tracking_plan', [{ field: 'batch[0].properties.plan', message: 'must be string' }]],
        [1, 'tracking_plan', [{ field: 'batch[1].event', message: 'is not in the tracking plan' }]],
      ],
    );
  });

  it('keeps flagged events with their violations', () => {
    const plan: TrackingPlanSettings = {
      mode: 'flag',
      unplannedEvents: 'allow',
      events: { A: { properties: { plan: { type: 'string' } } } },
    };
    const prepared = prepareMessages(
      [track('A', { properties: { plan: 1 } }), track('A'), track('B')],
      options({ plan }),
    );
    assert.equal(prepared.flagged, 1);
    assert.deepEqual(prepared.events[0]?.violations, ['properties.plan: must be string']);
    assert.equal(prepared.events[1]?.violations, undefined);
    assert.equal(prepared.events.length, 3);
  });

  it('drops events without consent, never dead-lettering them', () => {
    const consentSettings: ConsentSettings = {
      purposes: { '*': 'Analytics' },
      whenUnknown: 'deny',
    };
    const plan: TrackingPlanSettings = { mode: 'reject', unplannedEvents: 'reject', events: {} };
    const granted: ConsentState = { categories: { Analytics: true }, updatedAt: 0 };
    const asked: string[] = [];
    const prepared = prepareMessages(
      [
        track('Unplanned', { userId: 'no-consent' }),
        track('Segment Consent Preference Updated', { userId: 'no-consent' }),
        track('Unplanned', { userId: 'consented' }),
      ],
      options({
        consentSettings,
        plan: { ...plan, unplannedEvents: 'allow' },
        storedConsent: (event: OnrampEvent) => {
          asked.push(event.userId ?? '');
          return event.userId === 'consented' ? granted : undefined;
        },
      }),
    );
    assert.equal(prepared.droppedForConsent, 1);
    assert.deepEqual(
      prepared.events.map((e) => e.userId),
      ['no-consent', 'consented'],
    );
    const rejecting = prepareMessages([track('Unplanned')], options({ consentSettings, plan }));
    assert.deepEqual([rejecting.droppedForConsent, rejecting.rejected.length], [1, 0]);
    assert.ok(asked.length > 0);
  });

  it('keeps only the consent choice of an event that revokes its own purpose', () => {
    const consentSettings: ConsentSettings = {
      purposes: { '*': 'Analytics' },
      whenUnknown: 'allow',
    };
    const revoking = track('Clicked', {
      userId: 'eve',
      messageId: 'm-1',
      properties: { secret: 'x' },
      context: { consent: { categoryPreferences: { Analytics: false, Ads: true } } },
    });
    const prepared = prepareMessages([revoking], options({ consentSettings }));
    assert.equal(prepared.droppedForConsent, 1);
    assert.equal(prepared.events.length, 1);
    const record = prepared.events[0];
    assert.equal(record?.event, 'Segment Consent Preference Updated');
    assert.equal(record?.messageId, 'm-1:consent');
    assert.equal(record?.userId, 'eve');
    assert.equal(record?.properties, undefined, 'no data of the dropped event is kept');
    assert.deepEqual(record?.context, {
      consent: { categoryPreferences: { Analytics: false, Ads: true } },
    });
  });

  it('does not ask for stored consent when no purpose is configured', () => {
    let asked = 0;
    prepareMessages([track('A')], options({ storedConsent: () => void asked++ }));
    assert.equal(asked, 0);
  });

  it('accounts for every message exactly once, and never keeps a rejected one', () => {
    const message = fc.oneof(
      fc.record(
        {
          type: fc.constantFrom('track', 'identify', 'page', 'alias', 'bogus'),
          userId: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)),
          event: fc.string({ maxLength: 3 }),
          previousId: fc.string({ maxLength: 3 }),
          properties: fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.dictionary(fc.string(), fc.string()),
          ),
          timestamp: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string(),
          ),
        },
        { requiredKeys: ['type'] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 20 }), (inputs) => {
        const tagged = inputs.map((input, i) =>
          typeof input === 'object' && input !== null && !Array.isArray(input)
            ? { ...input, messageId: `m${i}` }
            : input,
        );
        const prepared = prepareMessages(tagged, options());
        const kept = new Set(prepared.events.map((e) => e.messageId));
        assert.equal(prepared.events.length + prepared.rejected.length, tagged.length);
        for (const rejected of prepared.rejected) {
          assert.ok(!kept.has(`m${rejected.index}`));
          assert.ok(rejected.errors.every((e) => e.field.startsWith(`batch[${rejected.index}]`)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
