/**
 * Validation of what a path is tested with: a literal (implicit `$eq`) or an
 * object of value operators, all of which must hold. See docs/conditions.md.
 */
import { isJsonObject, type JsonValue } from '../json/json.js';
import type { ConditionIssue } from './condition.js';
import type {
  CompareOp,
  ConditionNode,
  TypeName,
  ValueKind,
  ValueOp,
  ValueTest,
  VersionOp,
} from './condition-tree.js';
import {
  convertEqualityLiteral,
  convertOrderedLiteral,
  describe,
  type Converted,
} from './literals.js';
import { compileSafeRegex } from './safe-regex.js';
import { parseVersion } from './version.js';

export type Path = (string | number)[];

/** Validates an `$elemMatch` operand given as a query over the element's fields. */
export type ElementConditionValidator = (
  document: Record<string, JsonValue>,
  path: Path,
) => ConditionNode | undefined;

export interface OperatorContext {
  readonly issues: ConditionIssue[];
  readonly elementCondition: ElementConditionValidator;
}

const compareOps: Readonly<Record<string, CompareOp>> = {
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
};
const versionOps: Readonly<Record<string, VersionOp>> = {
  $veq: 'veq',
  $vne: 'vne',
  $vgt: 'vgt',
  $vgte: 'vgte',
  $vlt: 'vlt',
  $vlte: 'vlte',
};
const typeNames = new Set<string>([
  'string',
  'number',
  'boolean',
  'array',
  'object',
  'null',
  'undefined',
]);
const arrayKinds = new Set<ValueKind>(['json', 'strings', 'set']);
const textKinds = new Set<ValueKind>(['json', 'string', 'strings']);

/** Value operators (the keys an operator object may hold). */
export const valueOperators = new Set([
  '$eq',
  '$ne',
  ...Object.keys(compareOps),
  '$in',
  '$nin',
  '$all',
  '$exists',
  '$type',
  '$regex',
  '$options',
  '$size',
  '$elemMatch',
  '$not',
  ...Object.keys(versionOps),
]);

/** An object whose keys all start with "$" is an operator object; {} is a literal. */
export function isOperatorObject(value: JsonValue): value is Record<string, JsonValue> {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/** Validates the test of a value of `kind` at `path`; issues are pushed, a best-effort test returned. */
export function validateValueTest(
  operand: JsonValue,
  kind: ValueKind,
  path: Path,
  context: OperatorContext,
): ValueTest {
  if (!isOperatorObject(operand)) {
    if (isJsonObject(operand) && Object.keys(operand).some((key) => key.startsWith('$'))) {
      context.issues.push({ path, message: 'an object may not mix operators ($…) and fields' });
      return [];
    }
    const op = equalityOp('eq', '$eq', operand, kind, path, context);
    return op === undefined ? [] : [op];
  }
  const ops: ValueOp[] = [];
  for (const key of Object.keys(operand)) {
    const op = validateOperator(key, operand, kind, [...path, key], context);
    if (op !== undefined) ops.push(op);
  }
  return ops;
}

function validateOperator(
  key: string,
  operators: Record<string, JsonValue>,
  kind: ValueKind,
  path: Path,
  context: OperatorContext,
): ValueOp | undefined {
  const operand = operators[key] as JsonValue;
  const issue = (message: string): undefined => {
    context.issues.push({ path, message });
    return undefined;
  };
  const compareOp = Object.hasOwn(compareOps, key) ? compareOps[key] : undefined;
  if (compareOp !== undefined)
    return converted(convertOrderedLiteral(kind, operand), issue, (value) =>
      typeof value === 'number' || typeof value === 'string'
        ? { op: compareOp, label: key, operand, value }
        : issue(`wrong type: ${key} expects a number or a string`),
    );
  const versionOp = Object.hasOwn(versionOps, key) ? versionOps[key] : undefined;
  if (versionOp !== undefined) return validateVersion(versionOp, key, operand, kind, issue);
  switch (key) {
    case '$eq':
    case '$ne':
      return equalityOp(key === '$eq' ? 'eq' : 'ne', key, operand, kind, path, context);
    case '$in':
    case '$nin':
    case '$all':
      return listOp(key, operand, kind, path, context);
    case '$exists':
      return typeof operand === 'boolean'
        ? { op: 'exists', label: key, operand, value: operand }
        : issue(`wrong type: $exists expects a boolean, got ${describe(operand)}`);
    case '$type':
      return typeof operand === 'string' && typeNames.has(operand)
        ? { op: 'type', label: key, operand, value: operand as TypeName }
        : issue(`wrong type: $type expects one of ${[...typeNames].join(', ')}`);
    case '$regex':
      return regexOp(operand, operators['$options'], kind, path, context);
    case '$options':
      return operators['$regex'] === undefined
        ? issue('$options is only allowed with $regex')
        : undefined;
    case '$size':
      if (!arrayKinds.has(kind))
        return issue(`wrong type: $size needs an array, this path holds a ${kind}`);
      return { op: 'size', label: key, operand, test: sizeTest(operand, path, context) };
    case '$elemMatch':
      return elemMatchOp(operand, kind, path, context);
    case '$not':
      if (isJsonObject(operand) && !isOperatorObject(operand)) {
        return issue('wrong type: $not on a path expects an operator object or a literal');
      }
      return {
        op: 'not',
        label: key,
        operand,
        test: validateValueTest(operand, kind, path, context),
      };
    default:
      return issue(`unknown operator "${key}"`);
  }
}

function converted(
  result: Converted,
  issue: (message: string) => undefined,
  build: (value: JsonValue) => ValueOp | undefined,
): ValueOp | undefined {
  return 'error' in result ? issue(result.error) : build(result.value);
}

function equalityOp(
  op: 'eq' | 'ne',
  label: string,
  operand: JsonValue,
  kind: ValueKind,
  path: Path,
  context: OperatorContext,
): ValueOp | undefined {
  const result = convertEqualityLiteral(kind, operand);
  if ('error' in result) {
    context.issues.push({ path, message: result.error });
    return undefined;
  }
  return { op, label, operand, value: result.value };
}

function listOp(
  key: '$in' | '$nin' | '$all',
  operand: JsonValue,
  kind: ValueKind,
  path: Path,
  context: OperatorContext,
): ValueOp | undefined {
  if (!Array.isArray(operand)) {
    context.issues.push({
      path,
      message: `wrong type: ${key} expects an array, got ${describe(operand)}`,
    });
    return undefined;
  }
  if (key === '$all' && (operand.length === 0 || !arrayKinds.has(kind))) {
    const message =
      operand.length === 0
        ? '$all expects a non-empty array'
        : `wrong type: $all needs an array, this path holds a ${kind}`;
    context.issues.push({ path, message });
    return undefined;
  }
  const elementKind: ValueKind = kind === 'strings' || kind === 'set' ? 'string' : kind;
  const values: JsonValue[] = [];
  operand.forEach((value, i) => {
    const result = convertEqualityLiteral(elementKind, value);
    if ('error' in result) context.issues.push({ path: [...path, i], message: result.error });
    else values.push(result.value);
  });
  const op = key === '$in' ? 'in' : key === '$nin' ? 'nin' : 'all';
  return { op, label: key, operand, values };
}

function regexOp(
  operand: JsonValue,
  options: JsonValue | undefined,
  kind: ValueKind,
  path: Path,
  context: OperatorContext,
): ValueOp | undefined {
  const issue = (message: string, at = path): undefined => {
    context.issues.push({ path: at, message });
    return undefined;
  };
  if (!textKinds.has(kind))
    return issue(`wrong type: $regex needs a string, this path holds a ${kind}`);
  if (typeof operand !== 'string')
    return issue(`wrong type: $regex expects a string, got ${describe(operand)}`);
  const optionsPath = [...path.slice(0, -1), '$options'];
  if (options !== undefined && typeof options !== 'string') {
    return issue(`wrong type: $options expects a string, got ${describe(options)}`, optionsPath);
  }
  const result = compileSafeRegex(operand, options ?? '');
  if ('error' in result)
    return issue(result.error, result.error.includes('$options') ? optionsPath : path);
  return { op: 'regex', label: '$regex', operand, source: operand, flags: result.flags };
}

function validateVersion(
  op: VersionOp,
  label: string,
  operand: JsonValue,
  kind: ValueKind,
  issue: (message: string) => undefined,
): ValueOp | undefined {
  if (kind !== 'json' && kind !== 'string')
    return issue(`wrong type: ${label} needs a version string, this path holds a ${kind}`);
  const value = parseVersion(operand);
  if (value === undefined)
    return issue(`wrong type: ${label} expects a version ("1.2.3"), got ${describe(operand)}`);
  return { op, label, operand, value };
}

function sizeTest(operand: JsonValue, path: Path, context: OperatorContext): ValueTest {
  if (typeof operand === 'number' && (!Number.isInteger(operand) || operand < 0)) {
    context.issues.push({ path, message: 'wrong type: $size expects a non-negative integer' });
    return [];
  }
  return validateValueTest(operand, 'number', path, context);
}

function elemMatchOp(
  operand: JsonValue,
  kind: ValueKind,
  path: Path,
  context: OperatorContext,
): ValueOp | undefined {
  if (!arrayKinds.has(kind)) {
    context.issues.push({
      path,
      message: `wrong type: $elemMatch needs an array, this path holds a ${kind}`,
    });
    return undefined;
  }
  if (!isJsonObject(operand) || Object.keys(operand).length === 0) {
    context.issues.push({ path, message: 'wrong type: $elemMatch expects a non-empty object' });
    return undefined;
  }
  const keys = Object.keys(operand);
  if (keys.every((key) => valueOperators.has(key))) {
    const elementKind: ValueKind = kind === 'json' ? 'json' : 'string';
    return {
      op: 'elemMatch',
      label: '$elemMatch',
      operand,
      test: validateValueTest(operand, elementKind, path, context),
    };
  }
  if (kind !== 'json') {
    context.issues.push({
      path,
      message: 'wrong type: the elements of this path are strings, not objects',
    });
    return undefined;
  }
  const condition = context.elementCondition(operand, path);
  return condition === undefined
    ? undefined
    : { op: 'elemMatchDoc', label: '$elemMatch', operand, condition };
}
