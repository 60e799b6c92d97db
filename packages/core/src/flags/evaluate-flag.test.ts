import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import { RuleConfigError, issuePath } from '../rules/rule.js';
import { compileFlags } from './compile-flags.js';
import { evaluateAllFlags, evaluateFlag, nextFlagChange } from './evaluate-flag.js';
import type { FlagContext } from './flag.js';

const NOW = Date.UTC(2026, 2, 15, 12);
const onOff = { on: true, off: false };

function context(fields: Partial<FlagContext> = {}): FlagContext {
  return { profile: createProfile('p1', NOW), now: NOW, ...fields };
}

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RuleConfigError, String(error));
    return error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
  }
  assert.fail('expected a RuleConfigError');
}

describe('evaluateFlag', () => {
  const { flags } = compileFlags([
    {
      key: 'layout',
      type: 'json',
      variants: { grid: { columns: [1, 2] }, list: { columns: [] } },
      defaultVariant: 'list',
      rules: [{ when: { 'traits.plan': 'pro' }, variant: 'grid' }],
    },
    { key: 'beta', type: 'boolean', variants: onOff, defaultVariant: 'off' },
    {
      key: 'ramp',
      type: 'boolean',
      variants: onOff,
      defaultVariant: 'off',
      rules: [{ rollout: [{ variant: 'on', weight: 50 }] }],
      schedule: [{ at: '2026-04-01T00:00:00Z', enabled: false }],
    },
  ]);

  it('returns shared, frozen results made at compile time', () => {
    const profile = createProfile('p1', NOW);
    profile.traits = { plan: 'pro' };
    const first = evaluateFlag(flags, 'layout', context({ profile }));
    const second = evaluateFlag(flags, 'layout', context({ profile }));
    assert.equal(first, second);
    assert.ok(Object.isFrozen(first));
    assert.ok(Object.isFrozen(first.value));
    assert.ok(Object.isFrozen((first.value as { columns: number[] }).columns));
    assert.deepEqual(first.value, { columns: [1, 2] });
  });

  it('evaluates every flag in config order, errors included', () => {
    const results = evaluateAllFlags(flags, context());
    assert.deepEqual(
      results.map((r) => [r.key, r.reason, r.errorCode]),
      [
        ['layout', 'DEFAULT', undefined],
        ['beta', 'STATIC', undefined],
        ['ramp', 'ERROR', 'TARGETING_KEY_MISSING'],
      ],
    );
  });

  it('never throws, whatever it is given', () => {
    for (const bad of [null, undefined, 42, 'x', {}, { now: NOW }, { profile: null }]) {
      for (const key of ['layout', 'ramp', 'beta', 'nope']) {
        const result = evaluateFlag(flags, key, bad as never);
        if (result.reason === 'ERROR') assert.equal(result.value, null);
      }
    }
    const broken = evaluateFlag(flags, 'ramp', null as never);
    assert.deepEqual([broken.reason, broken.errorCode], ['ERROR', 'GENERAL']);
    assert.equal(evaluateFlag(flags, 42 as never, context()).errorCode, 'FLAG_NOT_FOUND');
    assert.equal(evaluateFlag(flags, 'toString', context()).errorCode, 'FLAG_NOT_FOUND');
  });

  it('tells the next scheduled change', () => {
    assert.deepEqual(flags.changes, [Date.parse('2026-04-01T00:00:00Z')]);
    assert.equal(nextFlagChange(flags, NOW), Date.parse('2026-04-01T00:00:00Z'));
    assert.equal(nextFlagChange(flags, Date.parse('2026-04-01T00:00:00Z')), Infinity);
  });
});

describe('compileFlags', () => {
  it('reports every problem at once, naming the field', () => {
    const issues = issuesOf(() =>
      compileFlags([
        { key: 'a', type: 'boolean', variants: { on: 'yes' }, defaultVariant: 'of' },
        { key: 'b', type: 'string', variants: { x: 'X' }, defaultVariant: 'x', rules: [{}] },
      ]),
    );
    assert.deepEqual(issues, [
      'flags.0.variants.on: a boolean flag has true or false values',
      'flags.0.defaultVariant: unknown variant "of"',
      'flags.1.rules.0: a rule serves either "variant" or "rollout"',
    ]);
  });

  it('refuses what is not a list of flags, and __proto__ keys', () => {
    assert.match(issuesOf(() => compileFlags({} as never)).join(), /flags: must be a list/);
    assert.match(issuesOf(() => compileFlags([7])).join(), /flags\.0/);
    const parsed = JSON.parse(
      '[{"key":"f","type":"boolean","variants":{"__proto__":true},"defaultVariant":"on"}]',
    ) as unknown[];
    assert.match(issuesOf(() => compileFlags(parsed)).join('\n'), /flags\.0\.variants/);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('adds what conditions need to the profile plan, and reads time and the context', () => {
    const { flags, profilePlan } = compileFlags([
      {
        key: 'returning',
        type: 'boolean',
        variants: onOff,
        defaultVariant: 'off',
        rules: [
          { when: { $event: { name: 'Report Exported', within: '3d' } }, variant: 'on' },
          { when: { now: { $gte: '2026-03-20T00:00:00Z' }, 'context.beta': true }, variant: 'on' },
        ],
      },
    ]);
    assert.ok(profilePlan.windows.windows.some((window) => window.ms === 3 * 86_400_000));
    const beta = { context: { beta: true } };
    assert.equal(evaluateFlag(flags, 'returning', context(beta)).variant, 'off');
    const later = Date.parse('2026-03-21T00:00:00Z');
    assert.equal(evaluateFlag(flags, 'returning', context({ ...beta, now: later })).variant, 'on');
  });

  it('checks segments when it knows them', () => {
    const segmentFlag = [
      {
        key: 's',
        type: 'boolean',
        variants: onOff,
        defaultVariant: 'off',
        rules: [{ segment: 'admins', variant: 'on' }],
      },
    ];
    assert.doesNotThrow(() => compileFlags(segmentFlag, { segments: new Set(['admins']) }));
    assert.doesNotThrow(() => compileFlags(segmentFlag));
    assert.match(
      issuesOf(() => compileFlags(segmentFlag, { segments: new Set(['x']) })).join(),
      /rules\.0\.segment: unknown segment "admins"/,
    );
  });

  it('follows long prerequisite chains', () => {
    const chain = Array.from({ length: 40 }, (_, i) => ({
      key: `f${i}`,
      type: 'boolean',
      variants: onOff,
      defaultVariant: 'on',
      offVariant: 'off',
      ...(i > 0 && { prerequisites: [{ flag: `f${i - 1}`, variants: ['on'] }] }),
    }));
    const { flags } = compileFlags(chain);
    assert.equal(evaluateFlag(flags, 'f39', context()).variant, 'on');
    const killed = compileFlags([
      { ...chain[0], enabled: false, offVariant: 'off' },
      ...chain.slice(1),
    ]);
    const result = evaluateFlag(killed.flags, 'f39', context());
    assert.deepEqual([result.variant, result.reason], ['off', 'PREREQUISITE_FAILED']);
  });
});
