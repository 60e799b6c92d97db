import type { JsonObject, JsonValue, ProfileState } from '@onramp/core';
import { parseDuration } from '@onramp/core';
import type { RulesLogic } from 'json-logic-js';
import type { TopLevelCondition } from 'json-rules-engine';

/**
 * One condition of the rules benchmark in each evaluator's own language:
 * Onramp's condition document (over profile paths and behavioural operators),
 * a GrowthBook condition, a json-logic rule and a json-rules-engine condition,
 * the last three over the flattened attributes of the profile (their natural
 * input, computed once per profile). Built from small terms so that the four
 * forms of a rule cannot drift apart; the hand-written functions are written
 * out separately (onboarding-rules.ts) and the benchmark checks that all five
 * agree on every profile.
 */
export interface RuleForms {
  onramp: JsonObject;
  growthbook: JsonObject;
  jsonLogic: JsonLogicRule;
  jre: JreCondition;
}

/** json-logic with the benchmark's custom operations (regex, version compare). */
export type JsonLogicRule = RulesLogic<JsonLogicExtraOps>;
export type JsonLogicExtraOps =
  | { matches: [JsonLogicRule, string] }
  | { versionGte: [JsonLogicRule, string] }
  | { versionLt: [JsonLogicRule, string] };

/** A json-rules-engine condition: a fact test or a nested all/any/not. */
export type JreCondition = Extract<TopLevelCondition, { all: unknown }>['all'][number];

/** What reading an attribute of a profile needs besides the profile. */
export interface AttributeReader {
  now: number;
  /** Count of a metric name within a window ("7d") of the profile plan, at `now`. */
  count(profile: ProfileState, name: string, within: string): number;
  engagement(profile: ProfileState): number;
}

/** One attribute the rules read: its flattened key, its Onramp form and how to compute it. */
export interface Attribute {
  key: string;
  /** Wraps operators ({ $gte: 3 }) into an Onramp condition document. */
  onramp(operators: JsonObject): JsonObject;
  read(profile: ProfileState, reader: AttributeReader): JsonValue | undefined;
  /** Operand as the peers see it (durations become ms for $elapsed). */
  peerValue?(value: JsonValue): JsonValue;
}

/** A profile path (traits.plan, consent.analytics, lastTouch.utmSource, sessions.count…). */
export function pathAttribute(
  key: string,
  path: string,
  read: (profile: ProfileState, reader: AttributeReader) => JsonValue | undefined,
): Attribute {
  return { key, onramp: (operators) => ({ [path]: operators }), read };
}

/** `$event` count of a metric name within a window. */
export function eventCountAttribute(key: string, name: string, within: string): Attribute {
  return {
    key,
    onramp: (operators) => ({ $event: { name, within, count: operators } }),
    read: (profile, reader) => reader.count(profile, name, within),
  };
}

/** `$elapsed` since firstSeen or lastSeen: ms for the peers, durations in the Onramp form. */
export function elapsedAttribute(key: string, since: 'firstSeen' | 'lastSeen'): Attribute {
  return {
    key,
    onramp: (operators) => ({ $elapsed: { since, ...operators } }),
    read: (profile, reader) => reader.now - profile[since],
    peerValue: (value) => {
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      if (ms === undefined) throw new Error(`$elapsed needs a duration, got ${String(value)}`);
      return ms;
    },
  };
}

type Comparison = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte';
const jsonLogicComparisons = {
  $eq: '===',
  $ne: '!==',
  $gt: '>',
  $gte: '>=',
  $lt: '<',
  $lte: '<=',
} as const;
const jreComparisons = {
  $eq: 'equal',
  $ne: 'notEqual',
  $gt: 'greaterThan',
  $gte: 'greaterThanInclusive',
  $lt: 'lessThan',
  $lte: 'lessThanInclusive',
} as const;

export type Operators = Partial<Record<Comparison, JsonValue>> & {
  $in?: JsonValue[];
  $nin?: JsonValue[];
  $exists?: boolean;
  $regex?: string;
  $vgte?: string;
  $vlt?: string;
};

/** A test of one attribute with one or more operators (all must hold). */
export function is(attribute: Attribute, operators: Operators): RuleForms {
  const peer = (value: JsonValue) => attribute.peerValue?.(value) ?? value;
  const variable = { var: attribute.key };
  const logic: JsonLogicRule[] = [];
  const jre: JreCondition[] = [];
  const growthbook: JsonObject = {};
  for (const [operator, operand] of Object.entries(operators) as [string, JsonValue][]) {
    const value = Array.isArray(operand) ? operand.map(peer) : peer(operand);
    growthbook[operator] = value;
    const fact = (name: string, jsonValue: JsonValue) =>
      jre.push({ fact: attribute.key, operator: name, value: jsonValue });
    if (operator in jsonLogicComparisons) {
      const comparison = operator as Comparison;
      logic.push({ [jsonLogicComparisons[comparison]]: [variable, value] } as JsonLogicRule);
      fact(jreComparisons[comparison], value);
    } else if (operator === '$in' || operator === '$nin') {
      const test: JsonLogicRule = { in: [variable, value as (string | number | boolean)[]] };
      logic.push(operator === '$in' ? test : { '!': test });
      fact(operator === '$in' ? 'in' : 'notIn', value);
    } else if (operator === '$exists') {
      logic.push({ [value === true ? '!=' : '==']: [variable, null] } as JsonLogicRule);
      fact('exists', value);
    } else if (operator === '$regex') {
      logic.push({ matches: [variable, value as string] });
      fact('matches', value);
    } else if (operator === '$vgte' || operator === '$vlt') {
      const name = operator === '$vgte' ? 'versionGte' : 'versionLt';
      logic.push({ [name]: [variable, value] } as JsonLogicRule);
      fact(name, value);
    } else {
      throw new Error(`no peer form for ${operator}`);
    }
  }
  return {
    onramp: attribute.onramp(operators as JsonObject),
    growthbook: { [attribute.key]: growthbook },
    jsonLogic: logic.length === 1 ? (logic[0] as JsonLogicRule) : { and: logic },
    jre: jre.length === 1 ? (jre[0] as JreCondition) : { all: jre },
  };
}

/** An array attribute holding every one of `values` ($all). */
export function hasAll(attribute: Attribute, values: string[]): RuleForms {
  return {
    onramp: attribute.onramp({ $all: values }),
    growthbook: { [attribute.key]: { $all: values } },
    jsonLogic: { and: values.map((value) => ({ in: [value, { var: attribute.key }] })) },
    jre: { all: values.map((value) => ({ fact: attribute.key, operator: 'contains', value })) },
  };
}

/** An array attribute holding at least one of `values` ($elemMatch with $in). */
export function hasAny(attribute: Attribute, values: string[]): RuleForms {
  return {
    onramp: attribute.onramp({ $elemMatch: { $in: values } }),
    growthbook: { [attribute.key]: { $elemMatch: { $in: values } } },
    jsonLogic: { some: [{ var: attribute.key }, { in: [{ var: '' }, values] }] },
    jre: { any: values.map((value) => ({ fact: attribute.key, operator: 'contains', value })) },
  };
}

/** An array attribute with at least `min` elements ($size). */
export function sizeAtLeast(attribute: Attribute, min: number): RuleForms {
  return {
    onramp: attribute.onramp({ $size: { $gte: min } }),
    growthbook: { [attribute.key]: { $size: { $gte: min } } },
    jsonLogic: { '>=': [{ var: `${attribute.key}.length` }, min] },
    jre: { fact: attribute.key, operator: 'sizeGte', value: min },
  };
}

/** All terms hold: one document with their keys when they do not collide, else $and. */
export function and(...terms: RuleForms[]): RuleForms {
  return {
    onramp: merge(terms.map((term) => term.onramp)),
    growthbook: merge(terms.map((term) => term.growthbook)),
    jsonLogic: { and: terms.map((term) => term.jsonLogic) },
    jre: { all: terms.map((term) => term.jre) },
  };
}

export function or(...terms: RuleForms[]): RuleForms {
  return {
    onramp: { $or: terms.map((term) => term.onramp) },
    growthbook: { $or: terms.map((term) => term.growthbook) },
    jsonLogic: { or: terms.map((term) => term.jsonLogic) },
    jre: { any: terms.map((term) => term.jre) },
  };
}

export function not(term: RuleForms): RuleForms {
  return {
    onramp: { $not: term.onramp },
    growthbook: { $not: term.growthbook },
    jsonLogic: { '!': term.jsonLogic },
    jre: { not: term.jre },
  };
}

function merge(documents: JsonObject[]): JsonObject {
  const keys = documents.flatMap((document) => Object.keys(document));
  if (new Set(keys).size !== keys.length) return { $and: documents };
  return Object.assign({}, ...documents) as JsonObject;
}

/** Numeric dotted versions ("2.10.1"): negative, zero or positive as a <, =, > b. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = Number(left[i] ?? 0) - Number(right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
