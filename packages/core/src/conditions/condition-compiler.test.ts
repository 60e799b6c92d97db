import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import type { OnrampEvent } from '../events/event.js';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import { ConditionError, type EvalInput } from './condition.js';
import {
  compileCondition,
  ConditionCompiler,
  createConditionMemo,
  resetConditionMemo,
} from './condition-compiler.js';
import { MAX_DEPTH, MAX_NODES } from './validate-condition.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const settings = (): ProfileSettings => Value.Default(ProfileSettingsSchema, {}) as ProfileSettings;

function input(traits: Record<string, unknown> = {}): EvalInput {
  const profile = createProfile('p1', NOW);
  profile.traits = traits as EvalInput['profile']['traits'];
  return { profile, now: NOW };
}

function issuesOf(document: unknown, scope = {}): ConditionError['issues'] {
  try {
    compileCondition(document, { scope });
  } catch (error) {
    assert.ok(error instanceof ConditionError);
    return error.issues;
  }
  assert.fail('expected a ConditionError');
}

describe('validation', () => {
  it('lists every issue with its path inside the document, in one error', () => {
    const issues = issuesOf({
      'traits.plan': { $in: 'pro' },
      $or: [{ 'traits.age': { $gtx: 1 } }, { colour: 'red' }],
      $event: { name: 'A', within: 'soon' },
    });
    assert.deepEqual(
      issues.map((i) => i.path),
      [
        ['traits.plan', '$in'],
        ['$or', 0, 'traits.age', '$gtx'],
        ['$or', 1, 'colour'],
        ['$event', 'within'],
      ],
    );
    assert.match(issues[1]?.message ?? '', /unknown operator "\$gtx"/);
    assert.match(issues[2]?.message ?? '', /unknown path "colour"/);
  });

  it('formats the error message with the field paths', () => {
    assert.throws(() => compileCondition({ 'traits.a': { $regex: '(x+x+)+y' } }), {
      name: 'ConditionError',
      message: /^traits\.a\.\$regex: pattern can backtrack catastrophically/,
    });
  });

  it('refuses prototype segments anywhere, including inside $elemMatch and event filters', () => {
    for (const segment of ['__proto__', 'constructor', 'prototype']) {
      assert.match(issuesOf({ [`traits.${segment}`]: 1 })[0]?.message ?? '', /not allowed/);
      assert.match(
        issuesOf({ 'traits.items': { $elemMatch: { [`${segment}.x`]: 1 } } })[0]?.message ?? '',
        /not allowed/,
      );
      assert.match(
        issuesOf({ $event: { name: 'A', where: { [`properties.${segment}`]: 1 } } })[0]?.message ??
          '',
        /not allowed/,
      );
    }
  });

  it('refuses a document with a __proto__ key parsed from JSON', () => {
    const document = JSON.parse('{"__proto__": {"admin": true}}') as unknown;
    assert.match(issuesOf(document)[0]?.message ?? '', /unknown path/);
  });

  it('caps nesting depth', () => {
    let deep: Record<string, unknown> = { 'traits.a': 1 };
    for (let i = 0; i < MAX_DEPTH; i++) deep = { $not: deep };
    const issues = issuesOf(deep);
    assert.equal(issues.length, 1);
    assert.match(issues[0]?.message ?? '', /nested deeper than 32/);
    assert.equal(issues[0]?.path.length, MAX_DEPTH + 1);
  });

  it('caps the number of values', () => {
    const huge = { 'traits.a': { $in: Array.from({ length: MAX_NODES }, (_, i) => i) } };
    assert.match(issuesOf(huge)[0]?.message ?? '', /too large/);
  });

  it('refuses values that are not JSON', () => {
    assert.match(issuesOf({ 'traits.a': () => 1 })[0]?.message ?? '', /not JSON/);
    assert.match(issuesOf({ 'traits.a': Number.NaN })[0]?.message ?? '', /not a JSON number/);
    assert.match(issuesOf({ 'traits.a': new Date() })[0]?.message ?? '', /not JSON/);
    assert.match(issuesOf(null)[0]?.message ?? '', /condition is an object/);
  });

  it('refuses a cyclic document without overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.$not = cyclic;
    assert.match(issuesOf(cyclic)[0]?.message ?? '', /nested deeper/);
  });

  it('checks the operands of behavioural operators', () => {
    const issues = issuesOf({
      $and: [
        { $event: { name: '', count: -1, colour: 1 } },
        { $event: { name: 'A', since: 'B', count: 2 } },
        { $elapsed: { since: 'birth', $gte: '5m' } },
        { $elapsed: { since: 'lastSeen', $regex: 'x' } },
        { $sequence: { steps: ['A'], within: '1h' } },
        { $sequence: { steps: ['A', 'B'] } },
      ],
    });
    assert.deepEqual(
      issues.map((i) => i.path.join('.')),
      [
        '$and.0.$event.colour',
        '$and.0.$event.name',
        '$and.0.$event.count',
        '$and.1.$event.count',
        '$and.2.$elapsed.since',
        '$and.3.$elapsed.$regex',
        '$and.4.$sequence.steps',
        '$and.5.$sequence.within',
      ],
    );
  });
});

describe('ConditionCompiler', () => {
  it('test() throws before finish() and works after', () => {
    const compiler = new ConditionCompiler({ profiles: settings() });
    const condition = compiler.add({ 'traits.plan': 'pro' });
    assert.throws(() => condition.test(input({ plan: 'pro' })), /finish/);
    compiler.finish();
    assert.equal(condition.test(input({ plan: 'pro' })), true);
    assert.throws(() => compiler.add({}), /after finish/);
    assert.throws(() => compiler.finish(), /twice/);
  });

  it('never throws after finish(): a runtime surprise is false', () => {
    const { condition } = compileCondition({ 'traits.plan': 'pro', $event: { name: 'A' } });
    assert.equal(condition.test(null as unknown as EvalInput), false);
    assert.equal(condition.test({ now: NOW } as unknown as EvalInput), false);
    const broken = input({ plan: 'pro' });
    broken.profile.events = null as unknown as typeof broken.profile.events;
    assert.equal(condition.test(broken), false);
    assert.equal(condition.explain(broken).result, false);
  });

  it('reads own properties only: names on Object.prototype read as missing unless set', () => {
    for (const name of ['toString', 'isPrototypeOf', '__defineGetter__', 'valueOf']) {
      const { condition } = compileCondition({ [`traits.${name}`]: { $exists: true } });
      assert.equal(condition.test(input({})), false, name);
      assert.equal(condition.explain(input({})).result, false, name);
      const own = input(JSON.parse(`{"${name}": 1}`) as Record<string, unknown>);
      assert.equal(condition.test(own), true, name);
    }
  });

  it('keeps user text as data in the generated source', () => {
    const evil = '"]; globalThis.pwned = true; //';
    const { condition } = compileCondition({
      [`traits.${evil}`]: evil,
      'traits.x': { $regex: '"\\); globalThis.pwned = 1; \\("' },
      $event: { name: `${evil}\u2028`, where: { [`properties.${evil}`]: { $in: [evil, 1] } } },
    });
    assert.equal(condition.test(input({ [evil]: evil, x: '"); globalThis.pwned = 1; ("' })), false);
    assert.equal((globalThis as Record<string, unknown>).pwned, undefined);
  });

  it('merges the windows, filtered counters and sequences of all conditions into the plan', () => {
    const compiler = new ConditionCompiler({ profiles: settings() });
    const a = compiler.add({ $event: { name: 'A', within: '2h', where: { 'properties.x': 1 } } });
    const b = compiler.add({
      $or: [
        { $event: { name: 'A', within: 7_200_000, where: { 'properties.x': 1 } } },
        { $sequence: { steps: ['A', 'B'], within: '1h' } },
      ],
    });
    const { profilePlan } = compiler.finish();
    assert.deepEqual(
      profilePlan.windows.windows.map((w) => w.label),
      ['1h', '2h', '24h', '7d', '30d'],
    );
    assert.equal(profilePlan.derived.keys.size, 1);
    assert.equal(profilePlan.sequences.specs.size, 1);
    assert.equal(a.needs.derived[0]?.key, b.needs.derived[0]?.key);
    assert.deepEqual([...b.needs.events].sort(), ['A', 'B']);
    assert.equal(a.needs.readsTime, true);
  });

  it('derives the same key from the same filter in any key order', () => {
    const one = compileCondition({
      $event: { name: 'A', where: { 'properties.x': 1, 'properties.y': { $gt: 2, $lt: 9 } } },
    });
    const two = compileCondition({
      $event: { where: { 'properties.y': { $lt: 9, $gt: 2 }, 'properties.x': 1 }, name: 'A' },
    });
    assert.equal(one.condition.needs.derived[0]?.key, two.condition.needs.derived[0]?.key);
    const other = compileCondition({ $event: { name: 'B', where: { 'properties.x': 1 } } });
    assert.notEqual(other.condition.needs.derived[0]?.key, one.condition.needs.derived[0]?.key);
  });

  it('reports what a condition reads', () => {
    const needs = (document: unknown, scope = {}) =>
      compileCondition(document, { scope }).condition.needs;
    assert.equal(needs({ 'traits.plan': 'pro' }).readsProfileFacts, true);
    assert.equal(needs({ 'traits.plan': 'pro' }).readsTime, false);
    assert.equal(needs({ lastSeen: { $gt: 0 } }).readsActivity, true);
    assert.equal(needs({ $elapsed: { since: 'lastSeen', $gte: '5m' } }).readsTime, true);
    assert.equal(needs({ 'event.type': 'track' }, { event: true }).readsEvent, true);
    assert.equal(needs({ 'context.page': '/' }, { context: true }).readsContext, true);
    assert.equal(needs({ segments: 'trial' }).readsSegments, true);
    assert.deepEqual([...needs({ $event: { name: 'A', since: 'B' } }).events].sort(), ['A', 'B']);
  });

  it('refuses more windows than the plan can hold, at finish()', () => {
    const compiler = new ConditionCompiler({ profiles: settings() });
    for (let i = 1; i <= 13; i++) compiler.add({ $event: { name: 'A', within: `${i}m` } });
    assert.throws(() => compiler.finish(), /profile windows/);
  });
});

describe('event filters', () => {
  const event: OnrampEvent = {
    type: 'track',
    event: 'Feature Used',
    messageId: 'm1',
    anonymousId: 'a1',
    timestamp: NOW,
    receivedAt: NOW,
    properties: { feature: 'export', rows: 5000 },
    context: { locale: 'fr-FR' },
  };

  it('match over the event, usable before finish(), explained', () => {
    const compiler = new ConditionCompiler({ profiles: settings() });
    const filter = compiler.addEventFilter({
      event: 'Feature Used',
      'properties.rows': { $gte: 1000 },
      'context.locale': { $regex: '^fr' },
    });
    assert.equal(filter.matches(event), true);
    assert.equal(filter.matches({ ...event, properties: { rows: 10 } }), false);
    const explained = filter.explain(event);
    assert.equal(explained.result, true);
    assert.deepEqual(
      explained.children?.map((c) => [c.label, c.actual, c.result]),
      [
        ['event', 'Feature Used', true],
        ['properties.rows', 5000, true],
        ['context.locale', 'fr-FR', true],
      ],
    );
  });

  it('refuse profile paths and behavioural operators', () => {
    const compiler = new ConditionCompiler({ profiles: settings() });
    assert.throws(() => compiler.addEventFilter({ 'sessions.count': 1 }), /unknown path/);
    assert.throws(() => compiler.addEventFilter({ $event: { name: 'A' } }), /profiles only/);
    assert.throws(
      () => compiler.addEventFilter({ 'properties.a': { $bad: 1 } }),
      /unknown operator/,
    );
  });

  it('never throw', () => {
    const filter = new ConditionCompiler({ profiles: settings() }).addEventFilter({
      'properties.a': 1,
    });
    assert.equal(filter.matches(null as unknown as OnrampEvent), false);
  });
});

describe('explain', () => {
  it('gives each node its expected operand, the value read and its result', () => {
    const { condition } = compileCondition({
      'traits.age': { $gte: 18, $lt: 65 },
      $or: [{ 'traits.plan': 'pro' }, { segments: 'vip' }],
    });
    const base = input({ age: 70, plan: 'pro' });
    const tree = condition.explain({ ...base, profile: { ...base.profile, segments: ['vip'] } });
    assert.equal(tree.result, false);
    const [age, or] = tree.children ?? [];
    assert.deepEqual(
      { label: age?.label, actual: age?.actual, results: age?.children?.map((c) => c.result) },
      { label: 'traits.age', actual: 70, results: [true, false] },
    );
    assert.equal(or?.result, true);
    assert.deepEqual(or?.children?.[1]?.actual, ['vip']);
  });
});

describe('the shared memo', () => {
  it('computes each window count and engagement once per run, with the same results', () => {
    const compiler = new ConditionCompiler({ profiles: settings() });
    const documents = [
      { $event: { name: 'Feature Used', within: '7d', count: { $gte: 2 } } },
      { $event: { name: 'Feature Used', within: '7d', count: { $lt: 5 } } },
      { $event: { name: 'Feature Used', within: '1h' } },
      { engagement: { $gte: 0 } },
      { $and: [{ engagement: { $lt: 1000 } }, { $event: { name: 'Signed Up' } }] },
    ];
    const conditions = documents.map((document) => compiler.add(document));
    const { profilePlan, memoSize } = compiler.finish();
    assert.equal(memoSize, 3, '7d count, 1h count, engagement');
    const profile = createProfile('p1', NOW);
    for (let i = 0; i < 3; i++) {
      applyEvent(
        profile,
        {
          type: 'track',
          event: 'Feature Used',
          messageId: `m${i}`,
          timestamp: NOW - i * 3_600_000,
          receivedAt: NOW,
        },
        profilePlan,
        NOW,
      );
    }
    const plain = conditions.map((condition) => condition.test({ profile, now: NOW }));
    const memo = createConditionMemo(memoSize);
    const shared = conditions.map((condition) => condition.test({ profile, now: NOW, memo }));
    assert.deepEqual(shared, plain);
    assert.deepEqual(plain, [true, true, true, true, false]);
    assert.ok(
      [...memo].every((value) => !Number.isNaN(value)),
      'every slot filled',
    );
    // A stale memo would answer for another profile: a run resets it first.
    resetConditionMemo(memo);
    assert.ok([...memo].every((value) => Number.isNaN(value)));
    const empty = createProfile('p2', NOW);
    assert.equal(conditions[0]?.test({ profile: empty, now: NOW, memo }), false);
  });
});
