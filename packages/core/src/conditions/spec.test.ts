/**
 * Runs the language-neutral cases of spec/conditions.json and spec/behaviour.json
 * (format: spec/README.md) through the compiler: test() and explain() must both
 * give the expected value; invalid documents must fail with the expected issue.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import { ConditionError, type EvalInput } from './condition.js';
import { compileCondition, ConditionCompiler } from './condition-compiler.js';
// The spec files are JSON modules: core's tests do no file I/O.
import conditionsJson from '../../../../spec/conditions.json' with { type: 'json' };
import behaviourJson from '../../../../spec/behaviour.json' with { type: 'json' };

type Time = string | number;

interface SpecInput {
  profile?: JsonObject;
  now?: Time;
  event?: JsonObject;
  context?: JsonObject;
  segments?: string[];
}

interface ConditionsSpec {
  now: Time;
  cases: [string, unknown, SpecInput, boolean][];
  invalid: [string, unknown, { event?: boolean; context?: boolean }, (string | number)[], string][];
}

interface BehaviourSpec {
  cases: {
    name: string;
    settings?: Partial<ProfileSettings>;
    events: (JsonObject & { at: Time; processedAt?: Time })[];
    checks: { name: string; now: Time; condition: unknown; expected: boolean }[];
  }[];
}

function time(value: Time): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

function settings(overrides: Partial<ProfileSettings> = {}): ProfileSettings {
  return { ...(Value.Default(ProfileSettingsSchema, {}) as ProfileSettings), ...overrides };
}

function profileOf(fields: JsonObject | undefined, now: number): ProfileState {
  const profile = createProfile('p1', now);
  return Object.assign(profile, structuredClone(fields ?? {})) as ProfileState;
}

function eventOf(fields: JsonObject, at: number, serial: number): OnrampEvent {
  const { at: _at, processedAt: _processedAt, ...rest } = fields;
  return {
    type: 'track',
    messageId: `m${serial}`,
    anonymousId: 'a1',
    timestamp: at,
    receivedAt: at,
    ...rest,
  } as OnrampEvent;
}

describe('spec/conditions.json', () => {
  const spec = conditionsJson as unknown as ConditionsSpec;
  for (const [name, condition, input, expected] of spec.cases) {
    it(name, () => {
      const now = time(input.now ?? spec.now);
      const { condition: compiled } = compileCondition(condition, {
        scope: { event: true, context: true },
      });
      const evalInput: EvalInput = {
        profile: profileOf(
          input.segments === undefined
            ? input.profile
            : { ...input.profile, segments: input.segments },
          now,
        ),
        now,
        ...(input.event !== undefined && { event: eventOf(input.event, now, 0) }),
        ...(input.context !== undefined && { context: input.context }),
      };
      assert.equal(compiled.test(evalInput), expected, 'test()');
      assert.equal(compiled.explain(evalInput).result, expected, 'explain()');
    });
  }
  for (const [name, condition, scope, path, message] of spec.invalid) {
    it(`invalid: ${name}`, () => {
      assert.throws(
        () => compileCondition(condition, { scope }),
        (error: unknown) => {
          assert.ok(error instanceof ConditionError, String(error));
          const issue = error.issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
          assert.ok(issue, `no issue at ${JSON.stringify(path)}: ${error.message}`);
          assert.match(issue.message, new RegExp(message, 'i'));
          return true;
        },
      );
    });
  }
});

describe('spec/behaviour.json', () => {
  const spec = behaviourJson as unknown as BehaviourSpec;
  for (const scenario of spec.cases) {
    describe(scenario.name, () => {
      const compiler = new ConditionCompiler({ profiles: settings(scenario.settings) });
      const compiled = scenario.checks.map((check) => compiler.add(check.condition));
      const { profilePlan } = compiler.finish();
      const first = scenario.events[0];
      const profile = createProfile('p1', first === undefined ? 0 : time(first.at));
      scenario.events.forEach((fields, i) => {
        const at = time(fields.at);
        applyEvent(
          profile,
          eventOf(fields, at, i),
          profilePlan,
          time(fields.processedAt ?? fields.at),
        );
      });
      scenario.checks.forEach((check, i) => {
        it(check.name, () => {
          const condition = compiled[i];
          assert.ok(condition);
          const input: EvalInput = { profile, now: time(check.now) };
          assert.equal(condition.test(input), check.expected, 'test()');
          assert.equal(condition.explain(input).result, check.expected, 'explain()');
        });
      });
    });
  }
});
