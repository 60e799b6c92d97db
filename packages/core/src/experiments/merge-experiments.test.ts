import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import type { ExperimentAssignment, ProfileState } from '../profiles/profile.js';
import { bannerExperiment, compileWithExperiments } from './experiment-fixtures.js';
import { mergeExperiments } from './merge-experiments.js';

const set = compileWithExperiments([bannerExperiment()]).experiments;

function withExperiments(experiments?: Record<string, ExperimentAssignment>): ProfileState {
  return { ...createProfile('p', 0), ...(experiments && { experiments }) };
}

function merged(
  target: Record<string, ExperimentAssignment> | undefined,
  source: Record<string, ExperimentAssignment> | undefined,
) {
  const survivor = withExperiments(target);
  mergeExperiments(survivor, withExperiments(source), set);
  return survivor.experiments;
}

describe('merging experiment assignments', () => {
  const visitor = { variant: 'friendly', at: 10, exposedAt: 10, metrics: { activated: 1 } };
  const known = { variant: 'control', at: 20, exposedAt: 20 };

  it("keeps the visitor's assignment when the known profile has none", () => {
    assert.deepEqual(merged(undefined, { 'welcome-test': visitor }), { 'welcome-test': visitor });
    assert.deepEqual(merged({ other: known }, { 'welcome-test': visitor }), {
      other: known,
      'welcome-test': visitor,
    });
    assert.deepEqual(merged({ 'welcome-test': known }, undefined), { 'welcome-test': known });
  });

  it('keeps the exposed one, then the earlier exposure, then the survivor on a tie', () => {
    assert.deepEqual(merged({ 'welcome-test': known }, { 'welcome-test': visitor }), {
      'welcome-test': visitor,
    });
    assert.deepEqual(merged({ 'welcome-test': visitor }, { 'welcome-test': known }), {
      'welcome-test': visitor,
    });
    const unexposed = { variant: 'control', at: 1 };
    assert.deepEqual(merged({ 'welcome-test': unexposed }, { 'welcome-test': known }), {
      'welcome-test': known,
    });
    const tie = { ...known, variant: 'friendly' };
    assert.deepEqual(merged({ 'welcome-test': known }, { 'welcome-test': tie }), {
      'welcome-test': known,
    });
  });

  it('combines metrics of two exposures to the same variant: conversions stay 0/1, counts add', () => {
    const a = {
      variant: 'friendly',
      at: 5,
      exposedAt: 5,
      metrics: { activated: 1, projects: 2, revenue: 10 },
    };
    const b = {
      variant: 'friendly',
      at: 9,
      exposedAt: 9,
      metrics: { activated: 1, projects: 1, invited: 1, gone: 4 },
    };
    assert.deepEqual(merged({ 'welcome-test': b }, { 'welcome-test': a }), {
      'welcome-test': {
        variant: 'friendly',
        at: 5,
        exposedAt: 5,
        metrics: { activated: 1, projects: 3, revenue: 10, invited: 1, gone: 4 },
      },
    });
  });

  it('ignores inherited keys of a loaded state', () => {
    const source = withExperiments(JSON.parse('{"__proto__": {"variant": "x", "at": 1}}'));
    const survivor = withExperiments();
    mergeExperiments(survivor, source, set);
    assert.deepEqual(
      Object.keys(survivor.experiments ?? {}),
      ['__proto__'].filter(() => false),
    );
    assert.equal(Object.getPrototypeOf(survivor.experiments), Object.prototype);
  });
});
