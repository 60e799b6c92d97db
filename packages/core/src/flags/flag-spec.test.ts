/**
 * Runs the language-neutral cases of spec/flags/hashing.json and
 * spec/flags/evaluation.json (format: spec/README.md).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../json/json.js';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { RuleConfigError, issuePath } from '../rules/rule.js';
import { compileFlags } from './compile-flags.js';
import { evaluateFlag } from './evaluate-flag.js';
import type { FlagContext } from './flag.js';
import { flagBucket } from './flag-bucket.js';
import type { FlagType } from './flag-schema.js';
import hashingJson from '../../../../spec/flags/hashing.json' with { type: 'json' };
import evaluationJson from '../../../../spec/flags/evaluation.json' with { type: 'json' };

type Time = string | number;

interface SpecContext {
  targetingKey?: string;
  profile?: JsonObject;
  attributes?: JsonObject;
  now?: Time;
}

interface EvaluationSpec {
  now: Time;
  cases: {
    name: string;
    flags: unknown[];
    checks: {
      name: string;
      flag: string;
      type?: FlagType;
      context: SpecContext;
      expected: JsonObject;
    }[];
  }[];
  invalid: [string, unknown[], string, string][];
}

const time = (value: Time) => (typeof value === 'number' ? value : Date.parse(value));

function contextOf(input: SpecContext, defaultNow: Time): FlagContext {
  const now = time(input.now ?? defaultNow);
  const profile = Object.assign(
    createProfile('p1', now),
    structuredClone(input.profile ?? {}),
  ) as ProfileState;
  return {
    profile,
    now,
    ...(input.attributes !== undefined && { context: input.attributes }),
    ...(input.targetingKey !== undefined && { targetingKey: input.targetingKey }),
  };
}

describe('spec/flags/hashing.json', () => {
  for (const [salt, key, bucket] of hashingJson.cases as [string, string, number][]) {
    it(`${JSON.stringify(salt)} + ${JSON.stringify(key.slice(0, 40))} → ${bucket}`, () => {
      assert.equal(flagBucket(salt, key), bucket);
    });
  }
});

describe('spec/flags/evaluation.json', () => {
  const spec = evaluationJson as unknown as EvaluationSpec;
  for (const scenario of spec.cases) {
    describe(scenario.name, () => {
      const { flags } = compileFlags(scenario.flags);
      for (const check of scenario.checks) {
        it(check.name, () => {
          const context = contextOf(check.context, spec.now);
          const result = evaluateFlag(flags, check.flag, context, check.type);
          const { errorMessage, ...rest } = result;
          assert.deepEqual(rest, { key: check.flag, ...check.expected });
          if (result.errorCode !== undefined) assert.ok(errorMessage, 'an error has a message');
        });
      }
    });
  }
  for (const [name, flags, path, message] of spec.invalid) {
    it(`invalid: ${name}`, () => {
      assert.throws(
        () => compileFlags(flags, { segments: new Set() }),
        (error: unknown) => {
          assert.ok(error instanceof RuleConfigError, String(error));
          const issue = error.issues.find((i) => issuePath(i.path) === path);
          assert.ok(issue, `no issue at ${path}: ${error.message}`);
          assert.match(issue.message, new RegExp(message, 'i'));
          return true;
        },
      );
    });
  }
});
