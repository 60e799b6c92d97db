/**
 * Validation of the behavioural operators: `$event` (counts in windows, since
 * another event), `$elapsed` (time since a reference) and `$sequence` (A then B
 * within D). Semantics: docs/conditions.md "Behavioural operators".
 */
import { isJsonObject, type JsonValue } from '../json/json.js';
import type { ConditionNode, CounterRef, ElapsedSince, ValueTest } from './condition-tree.js';
import { derivedCounterKey, sequenceKey } from './digest.js';
import { convertDuration, describe } from './literals.js';
import type { ConditionValidator } from './validate-condition.js';
import { validateValueTest, type Path } from './validate-operators.js';

export const MAX_EVENT_NAME_LENGTH = 200;
export const MAX_SEQUENCE_STEPS = 8;

const eventKeys = new Set(['name', 'where', 'within', 'count', 'since']);
const elapsedOps = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$not']);
const sequenceKeys = new Set(['steps', 'within']);

/** `$event: { name, where?, within?, count?, since? }`. */
export function validateEvent(
  validator: ConditionValidator,
  operand: JsonValue,
  path: Path,
): ConditionNode | undefined {
  if (!isJsonObject(operand)) {
    return validator.issue(path, `wrong type: $event expects an object, got ${describe(operand)}`);
  }
  const before = validator.issues.length;
  unknownKeys(validator, operand, eventKeys, path, '$event');
  const counter = counterRef(validator, operand, path);
  let windowMs: number | undefined;
  if (operand['within'] !== undefined)
    windowMs = durationField(validator, operand['within'], [...path, 'within']);
  let since: string | undefined;
  if (operand['since'] !== undefined) {
    since = eventName(validator, operand['since'], [...path, 'since']);
    if (operand['count'] !== undefined) {
      validator.issue([...path, 'count'], '$event with since counts nothing: count is not allowed');
    }
  }
  let count: ValueTest = [{ op: 'gte', label: '$gte', operand: 1, value: 1 }];
  if (operand['count'] !== undefined) {
    const countOperand = operand['count'];
    if (typeof countOperand === 'number' && (!Number.isInteger(countOperand) || countOperand < 0)) {
      validator.issue([...path, 'count'], 'wrong type: count expects a non-negative integer');
    }
    count = validateValueTest(countOperand, 'number', [...path, 'count'], {
      issues: validator.issues,
      elementCondition: () =>
        validator.issue([...path, 'count'], 'wrong type: a count is a number'),
    });
  }
  if (counter === undefined || validator.issues.length > before) return undefined;
  return {
    type: 'event',
    operand,
    counter,
    count,
    ...(windowMs !== undefined && { windowMs }),
    ...(since !== undefined && { since }),
  };
}

/** `$elapsed: { since: …, <comparison operators with durations> }`. */
export function validateElapsed(
  validator: ConditionValidator,
  operand: JsonValue,
  path: Path,
): ConditionNode | undefined {
  if (!isJsonObject(operand)) {
    return validator.issue(
      path,
      `wrong type: $elapsed expects an object, got ${describe(operand)}`,
    );
  }
  const before = validator.issues.length;
  const since = elapsedSince(validator, operand['since'], [...path, 'since']);
  const { since: _since, ...ops } = operand;
  const keys = Object.keys(ops);
  if (keys.length === 0)
    validator.issue(path, '$elapsed needs a comparison, e.g. { "$gte": "5m" }');
  for (const key of keys) {
    if (!elapsedOps.has(key)) {
      validator.issue(
        [...path, key],
        key.startsWith('$')
          ? `unknown operator "${key}" in $elapsed`
          : `unknown field "${key}" of $elapsed`,
      );
    }
  }
  if (validator.issues.length > before) return undefined;
  const test = validateValueTest(ops, 'duration', path, {
    issues: validator.issues,
    elementCondition: () => validator.issue(path, 'wrong type: an elapsed time is a duration'),
  });
  if (since === undefined || validator.issues.length > before) return undefined;
  return { type: 'elapsed', operand, since, test };
}

/** `$sequence: { steps: [A, B, …], within: D }`. */
export function validateSequence(
  validator: ConditionValidator,
  operand: JsonValue,
  path: Path,
): ConditionNode | undefined {
  if (!isJsonObject(operand)) {
    return validator.issue(
      path,
      `wrong type: $sequence expects an object, got ${describe(operand)}`,
    );
  }
  const before = validator.issues.length;
  unknownKeys(validator, operand, sequenceKeys, path, '$sequence');
  const steps = operand['steps'];
  const names: string[] = [];
  if (!Array.isArray(steps) || steps.length < 2 || steps.length > MAX_SEQUENCE_STEPS) {
    validator.issue(
      [...path, 'steps'],
      `wrong type: steps expects an array of 2 to ${MAX_SEQUENCE_STEPS} event names`,
    );
  } else {
    steps.forEach((step, i) => {
      const name = eventName(validator, step, [...path, 'steps', i]);
      if (name !== undefined) names.push(name);
    });
  }
  const withinMs =
    operand['within'] === undefined
      ? validator.issue([...path, 'within'], 'within is required (e.g. "1h")')
      : durationField(validator, operand['within'], [...path, 'within']);
  if (withinMs === undefined || validator.issues.length > before) return undefined;
  return { type: 'sequence', operand, key: sequenceKey(names, withinMs), steps: names, withinMs };
}

function counterRef(
  validator: ConditionValidator,
  operand: Record<string, JsonValue>,
  path: Path,
  nameKey = 'name',
): CounterRef | undefined {
  const name = eventName(validator, operand[nameKey], [...path, nameKey]);
  const where = operand['where'];
  if (where === undefined) return name === undefined ? undefined : { name };
  if (!isJsonObject(where) || Object.keys(where).length === 0) {
    return validator.issue(
      [...path, 'where'],
      'wrong type: where expects a non-empty condition over the event',
    );
  }
  const filter = validator.condition(where, [...path, 'where'], { type: 'filter' });
  if (name === undefined || filter === undefined) return undefined;
  return { name, derived: { key: derivedCounterKey(name, where), where: filter, document: where } };
}

function elapsedSince(
  validator: ConditionValidator,
  since: JsonValue | undefined,
  path: Path,
): ElapsedSince | undefined {
  if (since === 'firstSeen' || since === 'lastSeen' || since === 'sessionStart')
    return { type: since };
  if (!isJsonObject(since)) {
    return validator.issue(
      path,
      'wrong type: since expects "firstSeen", "lastSeen", "sessionStart" or { "event": name }',
    );
  }
  unknownKeys(validator, since, new Set(['event', 'at', 'where']), path, 'since');
  const at = since['at'] ?? 'last';
  if (at !== 'first' && at !== 'last')
    return validator.issue([...path, 'at'], 'wrong type: at expects "first" or "last"');
  const counter = counterRef(validator, since, path, 'event');
  return counter === undefined ? undefined : { type: 'event', counter, at };
}

function eventName(
  validator: ConditionValidator,
  name: JsonValue | undefined,
  path: Path,
): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVENT_NAME_LENGTH) {
    return validator.issue(
      path,
      `wrong type: expected an event name (1 to ${MAX_EVENT_NAME_LENGTH} characters)`,
    );
  }
  return name;
}

function durationField(
  validator: ConditionValidator,
  value: JsonValue,
  path: Path,
): number | undefined {
  const result = convertDuration(value);
  if ('error' in result) return validator.issue(path, result.error);
  const ms = result.value as number;
  return ms >= 1 && Number.isInteger(ms)
    ? ms
    : validator.issue(path, 'wrong type: a window is a whole number of ms, at least 1');
}

function unknownKeys(
  validator: ConditionValidator,
  operand: Record<string, JsonValue>,
  known: ReadonlySet<string>,
  path: Path,
  owner: string,
): void {
  for (const key of Object.keys(operand)) {
    if (!known.has(key)) validator.issue([...path, key], `unknown field "${key}" of ${owner}`);
  }
}
