import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { bannerExperiment, compileWithExperiments } from '../experiments/experiment-fixtures.js';
import { decide } from './decide.js';
import type { DecideRequest } from './decision.js';

const NOW = Date.UTC(2026, 10, 24);

function request(overrides: Partial<DecideRequest> = {}): DecideRequest {
  return {
    placements: ['banner'],
    context: {},
    flows: false,
    now: NOW,
    consentWhenUnknown: 'allow',
    ...overrides,
  };
}

function profileIn(variant: string, fields: Partial<ProfileState> = {}): ProfileState {
  return {
    ...createProfile('p1', NOW),
    anonymousIds: ['v1'],
    experiments: { 'welcome-test': { variant, at: NOW, exposedAt: NOW } },
    ...fields,
  };
}

describe('decide: the experiment source', () => {
  const set = compileWithExperiments([bannerExperiment()]);

  it('shows the variant content with an experiment reason and the exposure in track', () => {
    const decision = decide(set, profileIn('friendly'), request()).decisions['banner'];
    assert.equal(decision?.content?.id, 'welcome-b');
    assert.deepEqual(decision?.reason, {
      type: 'experiment',
      experiment: 'welcome-test',
      variant: 'friendly',
    });
    assert.deepEqual(decision?.track, {
      placement: 'banner',
      content: 'welcome-b',
      experiment: 'welcome-test',
      variant: 'friendly',
    });
  });

  it("shows the placement's default for a variant that changes nothing, still tracked", () => {
    const decision = decide(set, profileIn('control'), request()).decisions['banner'];
    assert.equal(decision?.content?.id, 'welcome');
    assert.equal(decision?.track?.experiment, 'welcome-test');
    assert.equal(decision?.track?.variant, 'control');
  });

  it('renders the content variant a variant names', () => {
    const withVariant = compileWithExperiments([
      bannerExperiment({
        variants: [
          { id: 'control', weight: 50 },
          { id: 'friendly', weight: 50, content: { item: 'welcome-b', variant: 'short' } },
        ],
      }),
    ]);
    const decision = decide(withVariant, profileIn('friendly'), request()).decisions['banner'];
    assert.deepEqual(
      [decision?.content?.variant, decision?.content?.fields['title']],
      ['short', 'Hi'],
    );
    assert.equal(decision?.track?.variant, 'friendly');
  });

  it('assigns a profile without a stored variant by hash; nothing without a profile', () => {
    const fresh = { ...createProfile('p2', NOW), anonymousIds: ['someone'] };
    const decision = decide(set, fresh, request()).decisions['banner'];
    assert.equal(decision?.reason.type, 'experiment');
    assert.equal(
      decide(set, fresh, request()).decisions['banner']?.track?.variant,
      decision?.track?.variant,
    );
    assert.deepEqual(decide(set, undefined, request()).decisions['banner']?.reason, {
      type: 'default',
    });
  });

  it('serves the control of a stopped experiment without exposure, nothing of a draft', () => {
    const stopped = compileWithExperiments([bannerExperiment({ status: 'stopped' })]);
    const decision = decide(stopped, profileIn('friendly'), request()).decisions['banner'];
    assert.equal(decision?.content?.id, 'welcome');
    assert.deepEqual(decision?.reason, {
      type: 'experiment',
      experiment: 'welcome-test',
      variant: 'control',
    });
    assert.equal(decision?.track?.experiment, undefined);
    const draft = compileWithExperiments([bannerExperiment({ status: 'draft' })]);
    assert.deepEqual(decide(draft, profileIn('friendly'), request()).decisions['banner']?.reason, {
      type: 'default',
    });
  });

  it("yields to the default when the variant's content was dismissed", () => {
    const dismissed = profileIn('friendly', {
      interactions: { 'welcome-b': [1, 0, 1, 0, NOW, NOW] },
    });
    assert.equal(decide(set, dismissed, request()).decisions['banner']?.content?.id, 'welcome');
  });
});
