import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dryRunRules, profileFromDocument } from './dry-run-rules.js';
import { compileConfig, trackEvent } from './rule-fixtures.js';

// A dry run sees segments as the processor would: a profile document is evaluated
// against every segment, and the event's segments are updated before the rules.

const set = compileConfig({
  segments: [
    { id: 'admins', condition: { 'traits.role': 'admin' } },
    { id: 'exporters', condition: { $event: { name: 'Exported', count: { $gte: 1 } } } },
  ],
  rules: [
    {
      id: 'admin-export',
      trigger: { type: 'event', event: 'Exported' },
      condition: { segments: { $all: ['admins', 'exporters'] } },
      actions: [{ type: 'decide', placement: 'banner', content: 'export-tips' }],
    },
  ],
});
const now = Date.UTC(2026, 10, 2, 9);

describe('dry run with segments', () => {
  it('explains a rule reading segments of a profile document and of the event', () => {
    const profile = profileFromDocument({ traits: { role: 'admin' } }, set, now);
    assert.deepEqual(profile.segments, ['admins']);
    const [explained] = dryRunRules(set, profile, trackEvent('Exported', now), now);
    assert.equal(explained?.fires, true);
    assert.deepEqual(profile.segments, ['admins'], 'the profile itself is not changed');
    const member = profileFromDocument({ traits: { role: 'member' } }, set, now);
    assert.equal(dryRunRules(set, member, trackEvent('Exported', now), now)[0]?.fires, false);
  });
});
