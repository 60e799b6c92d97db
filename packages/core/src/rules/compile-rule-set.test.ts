import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRuleSet } from './compile-rule-set.js';
import {
  compileRules,
  defaultProfileSettings,
  ruleDefinition,
  ruleSettings,
} from './rule-fixtures.js';
import { RuleConfigError, type RuleIssue } from './rule.js';
import type { RuleDefinition } from './rule-schema.js';

const emit = [{ type: 'emit', event: 'X' }];
const onPing = { type: 'event', event: 'Ping' };

function issuesOf(rules: Record<string, unknown>[], settings = {}): RuleIssue[] {
  try {
    compileRules(rules, settings);
  } catch (error) {
    assert.ok(error instanceof RuleConfigError, String(error));
    return error.issues;
  }
  assert.fail('expected a RuleConfigError');
}

const paths = (issues: RuleIssue[]) => issues.map((issue) => issue.path.join('.'));

describe('compileRuleSet', () => {
  it('compiles a set: version, evaluation order, timers, frozen definitions', () => {
    const set = compileRules(
      [
        { id: 'a', trigger: onPing, actions: emit },
        { id: 'b', priority: 5, trigger: onPing, actions: emit },
        { id: 'c', priority: 5, trigger: { type: 'inactive', for: '1h' }, actions: emit },
      ],
      {},
      7,
    );
    assert.equal(set.version, 7);
    assert.deepEqual(
      set.rules.map((rule) => [rule.definition.id, rule.order]),
      [
        ['b', 1],
        ['c', 2],
        ['a', 0],
      ],
    );
    assert.equal(set.hasTimers, true);
    assert.equal(set.definitions.length, 3);
    assert.ok(Object.isFrozen(set.definitions[0]?.actions[0]));
    assert.ok(set.profilePlan.windows.windows.length > 0);
  });

  it('compiles an empty set (a workspace before its first publish)', () => {
    const set = compileRuleSet([], {
      profiles: defaultProfileSettings(),
      settings: ruleSettings(),
      version: 0,
    });
    assert.equal(set.rules.length, 0);
    assert.equal(set.hasTimers, false);
  });

  it('does not share objects with the definitions it was given', () => {
    const definitions = [ruleDefinition({ id: 'a', trigger: onPing, actions: emit })];
    const set = compileRuleSet(definitions, {
      profiles: defaultProfileSettings(),
      settings: ruleSettings(),
      version: 1,
    });
    (definitions[0] as RuleDefinition).id = 'changed';
    assert.equal(set.definitions[0]?.id, 'a');
  });

  it('reports every issue at once, with paths from the rules array', () => {
    const issues = issuesOf([
      { id: 'dup', trigger: onPing, actions: emit },
      { id: 'dup', trigger: onPing, actions: emit },
      {
        id: 'bad-condition',
        trigger: onPing,
        condition: { 'traits.plan': { $bogus: 1 } },
        actions: emit,
      },
      {
        id: 'period',
        trigger: onPing,
        actions: emit,
        constraints: { activeFrom: '2026-02-01T00:00:00Z', activeUntil: '2026-01-01T00:00:00Z' },
      },
      {
        id: 'edge',
        trigger: { type: 'condition' },
        condition: { 'event.properties.plan': 'pro' },
        actions: emit,
      },
      { id: 'no-condition', trigger: { type: 'condition' }, actions: emit },
      {
        id: 'actions',
        trigger: onPing,
        actions: [
          { type: 'launchRocket' },
          { type: 'setTrait', trait: 'a.__proto__.b', value: 1 },
          { type: 'emit', event: '$page' },
          { type: 'advanceFlow', flow: 'onboarding' },
          { type: 'decide', placement: 'constructor', content: 'x' },
        ],
      },
      {
        id: 'quiet',
        trigger: onPing,
        actions: emit,
        constraints: { quietHours: { from: '22:00', to: '22:00' } },
      },
      {
        id: 'delay',
        trigger: { type: 'delay', event: 'A', delay: '1h', unless: ['A'] },
        actions: emit,
      },
      { id: 'trigger', trigger: { type: 'whenever' }, actions: emit },
      { id: 'constructor', trigger: onPing, actions: emit },
    ]);
    const found = paths(issues);
    for (const expected of [
      '1.id',
      '3.constraints.activeFrom',
      '5.condition',
      '6.actions.0.type',
      '6.actions.1.trait',
      '6.actions.2.event',
      '6.actions.3.step',
      '6.actions.4.placement',
      '7.constraints.quietHours.to',
      '8.trigger.unless.0',
      '9.trigger.type',
      '10.id',
    ]) {
      assert.ok(found.includes(expected), `${expected} in ${found.join(', ')}`);
    }
    assert.ok(
      found.some((path) => path.startsWith('2.condition')),
      'condition issues mapped',
    );
    assert.ok(
      found.some((path) => path.startsWith('4.condition')),
      'event.* in a condition trigger',
    );
    assert.match(issues.find((i) => i.path.join('.') === '1.id')?.message ?? '', /duplicate/);
    assert.match(
      issues.find((i) => i.path.join('.') === '6.actions.0.type')?.message ?? '',
      /unknown action "launchRocket"/,
    );
  });

  it('refuses bad settings: unknown timezone, malformed fatigue', () => {
    const issues = issuesOf([{ id: 'a', trigger: onPing, actions: emit }], {
      defaultTimezone: 'Mars/Olympus',
      fatigue: { max: 3, per: 'daily' },
    });
    assert.deepEqual(paths(issues).sort(), [
      '(settings).defaultTimezone',
      '(settings).fatigue.per',
    ]);
  });

  it('refuses a condition trigger that reads the event, and accepts it on an event trigger', () => {
    const condition = { 'event.properties.plan': 'pro' };
    assert.ok(compileRules([{ id: 'a', trigger: onPing, condition, actions: emit }]));
    const issues = issuesOf([
      { id: 'a', trigger: { type: 'inactive', for: '1h' }, condition, actions: emit },
    ]);
    assert.ok(paths(issues).every((path) => path.startsWith('0.condition')));
  });
});
