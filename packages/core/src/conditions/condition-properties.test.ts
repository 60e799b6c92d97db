import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { JsonObject, JsonValue } from '../json/json.js';
import { createProfile } from '../profiles/apply-event.js';
import { ConditionError, type EvalInput } from './condition.js';
import { compileCondition } from './condition-compiler.js';

// Property tests of the code generator: for random conditions over random profiles,
// the generated function (test) agrees with the tree walk (explain) and never throws,
// and the logical operators obey their laws. The spec cases pin the meaning; these
// look for corners the cases do not name.

const NOW = Date.UTC(2026, 0, 1, 12);

const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('a', 'b', 'ab', 'B', '', '10', '2', '1.2.3', '1.10.0', 'toString'),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('x', 'y'), scalar, { maxKeys: 2 }) },
);

const path = fc.constantFrom(
  'traits.a',
  'traits.b',
  'traits.list',
  'traits.obj.x',
  'traits.toString',
  'traits.list.0',
  'userId',
  'eventCount',
  'anonymousIds',
);

const operator: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.record({ $eq: value }),
  fc.record({ $ne: value }),
  fc.record({ $gt: scalar }),
  fc.record({ $gte: scalar }),
  fc.record({ $lt: scalar }),
  fc.record({ $lte: scalar }),
  fc.record({ $in: fc.array(scalar, { maxLength: 4 }) }),
  fc.record({ $nin: fc.array(scalar, { maxLength: 4 }) }),
  fc.record({ $all: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ $exists: fc.boolean() }),
  fc.record({
    $type: fc.constantFrom('string', 'number', 'boolean', 'array', 'object', 'null', 'undefined'),
  }),
  fc.record({ $size: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ $regex: fc.constantFrom('^a', 'b$', '^[0-9]+$', 'A') }),
  fc.record({ $vgt: fc.constantFrom('1.2.3', '1.10', '0') }),
  fc.record({ $vlte: fc.constantFrom('1.2.3', '1.10', '0') }),
  fc.record({ $elemMatch: fc.record({ $gt: fc.integer({ min: -3, max: 3 }) }) }),
  fc.record({ $not: fc.record({ $eq: scalar }) }),
);

const { condition } = fc.letrec<{ condition: JsonObject }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: fc.tuple(path, operator).map(([p, op]) => ({ [p]: op })) },
    { weight: 2, arbitrary: fc.tuple(path, scalar).map(([p, v]) => ({ [p]: v })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('$and', '$or', '$nor'), fc.array(tie('condition'), { maxLength: 3 }))
        .map(([op, list]) => ({ [op]: list })),
    },
    { weight: 1, arbitrary: tie('condition').map((inner) => ({ $not: inner })) },
  ),
}));

const traits = fc.dictionary(fc.constantFrom('a', 'b', 'list', 'obj', 'toString'), value, {
  maxKeys: 5,
});

function inputOf(profileTraits: JsonObject, userId: string | undefined): EvalInput {
  const profile = createProfile('p', NOW);
  profile.traits = profileTraits;
  if (userId !== undefined) profile.userId = userId;
  return { profile, now: NOW };
}

function compiled(document: JsonObject) {
  try {
    return compileCondition(document).condition;
  } catch (error) {
    if (error instanceof ConditionError) return undefined;
    throw error;
  }
}

describe('compiled conditions, property-based', () => {
  it('the generated function agrees with explain and never throws', () => {
    fc.assert(
      fc.property(condition, traits, fc.option(fc.constantFrom('ada', '10')), (doc, t, user) => {
        const compiledCondition = compiled(doc);
        fc.pre(compiledCondition !== undefined);
        const input = inputOf(t, user ?? undefined);
        const result = compiledCondition.test(input);
        assert.equal(typeof result, 'boolean');
        assert.equal(compiledCondition.explain(input).result, result, JSON.stringify(doc));
      }),
      { numRuns: 1500 },
    );
  });

  it('$not, $and, $or and $nor obey their laws', () => {
    fc.assert(
      fc.property(condition, condition, traits, (a, b, t) => {
        const ca = compiled(a);
        const cb = compiled(b);
        fc.pre(ca !== undefined && cb !== undefined);
        const input = inputOf(t, undefined);
        const [x, y] = [ca.test(input), cb.test(input)];
        const check = (document: JsonObject, expected: boolean) => {
          const c = compiled(document);
          assert.ok(c, JSON.stringify(document));
          assert.equal(c.test(input), expected, JSON.stringify(document));
        };
        check({ $not: a }, !x);
        check({ $and: [a, b] }, x && y);
        check({ $or: [a, b] }, x || y);
        check({ $nor: [a, b] }, !(x || y));
      }),
      { numRuns: 500 },
    );
  });

  it('never reads a prototype: inherited names read as missing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'),
        (n) => {
          const c = compiled({ [`traits.${n}`]: { $exists: true } });
          assert.ok(c);
          assert.equal(c.test(inputOf({}, undefined)), false);
          assert.equal(c.test(inputOf({ [n]: 1 }, undefined)), true);
        },
      ),
    );
  });
});
