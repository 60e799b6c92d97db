/**
 * Source of a ValueTest over a local variable `v`: the common cases inlined
 * (strict comparisons, typeof guards), the rest calls to compare.ts helpers.
 * Must agree exactly with explain-value.ts (spec.test.ts checks both on every case).
 */
import type { JsonValue } from '../json/json.js';
import type {
  CompareOp,
  ConditionNode,
  TypeName,
  ValueKind,
  ValueOp,
  ValueTest,
  VersionOp,
} from './condition-tree.js';
import type { Locals, SourceBuilder } from './source-builder.js';

/** Kinds whose values may be arrays (element semantics apply). */
const arrayish = new Set<ValueKind>(['json', 'strings']);
const compareSymbols: Readonly<Record<CompareOp, string>> = {
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};
/** Version operators over compareVersion's result (−1, 0, 1; 2 = not a version). */
const versionTests: Readonly<Record<VersionOp, (w: string) => string>> = {
  veq: (w) => `${w} === 0`,
  vne: (w) => `(${w} === -1 || ${w} === 1)`,
  vgt: (w) => `${w} === 1`,
  vgte: (w) => `(${w} === 0 || ${w} === 1)`,
  vlt: (w) => `${w} === -1`,
  vlte: (w) => `(${w} === 0 || ${w} === -1)`,
};
/** Up to this many primitive $in literals are inlined as `v === a || v === b…`. */
const INLINE_IN = 8;

export function generateValueTest(
  test: ValueTest,
  v: string,
  kind: ValueKind,
  locals: Locals,
  builder: SourceBuilder,
  elementPredicate: (node: ConditionNode) => string,
): string {
  if (test.length === 0) return 'true';
  const parts = test.map((op) => generateOp(op, v, kind, locals, builder, elementPredicate));
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' && ')})`;
}

function generateOp(
  op: ValueOp,
  v: string,
  kind: ValueKind,
  locals: Locals,
  builder: SourceBuilder,
  elementPredicate: (node: ConditionNode) => string,
): string {
  switch (op.op) {
    case 'eq':
      return equality(op.value, v, kind, builder);
    case 'ne':
      return `!${equality(op.value, v, kind, builder)}`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return comparison(op.op, op.value, v, kind, builder);
    case 'in':
      return membership(op.values, v, kind, builder);
    case 'nin':
      return `!${membership(op.values, v, kind, builder)}`;
    case 'all':
      return kind === 'set'
        ? `setHasAll(${v}, ${builder.constant(op.values)})`
        : `containsAll(${v}, ${builder.constant(op.values)})`;
    case 'exists':
      if (kind === 'set') return op.value ? 'true' : 'false';
      return op.value
        ? `(${v} !== undefined && ${v} !== null)`
        : `(${v} === undefined || ${v} === null)`;
    case 'type':
      return typeTest(op.value, v, kind);
    case 'regex': {
      const regex = builder.regex(op.source, op.flags);
      return kind === 'string'
        ? `(typeof ${v} === "string" && ${regex}.test(${v}))`
        : `matchesRegex(${v}, ${regex})`;
    }
    case 'size': {
      const w = locals.next('w');
      const inner = generateValueTest(op.test, w, 'number', locals, builder, elementPredicate);
      return kind === 'set'
        ? `(${w} = ${v} === undefined ? 0 : ${v}.length, ${inner})`
        : `(Array.isArray(${v}) && (${w} = ${v}.length, ${inner}))`;
    }
    case 'elemMatch': {
      const elementKind: ValueKind = kind === 'json' ? 'json' : 'string';
      const predicate = builder.func('x', (inner) =>
        generateValueTest(op.test, 'x', elementKind, inner, builder, elementPredicate),
      );
      return kind === 'set' ? `setSome(${v}, ${predicate})` : `someElement(${v}, ${predicate})`;
    }
    case 'elemMatchDoc':
      return `someElement(${v}, ${elementPredicate(op.condition)})`;
    case 'not':
      return `!${wrap(generateValueTest(op.test, v, kind, locals, builder, elementPredicate))}`;
    default: {
      const w = locals.next('w');
      return `(${w} = compareVersion(${v}, ${builder.constant(op.value)}), ${versionTests[op.op](w)})`;
    }
  }
}

function wrap(expression: string): string {
  return `(${expression})`;
}

function equality(value: JsonValue, v: string, kind: ValueKind, builder: SourceBuilder): string {
  if (kind === 'set') {
    return typeof value === 'string'
      ? `(${v} !== undefined && ${v}.includes(${builder.literal(value)}))`
      : 'false';
  }
  if (value !== null && typeof value === 'object')
    return `equals(${v}, ${builder.constant(value)})`;
  const scalar =
    value === null ? `(${v} === null || ${v} === undefined)` : `${v} === ${builder.literal(value)}`;
  if (!arrayish.has(kind)) return wrap(scalar);
  return `(${scalar} || (Array.isArray(${v}) && ${v}.includes(${builder.literal(value)})))`;
}

function comparison(
  op: CompareOp,
  value: number | string,
  v: string,
  kind: ValueKind,
  builder: SourceBuilder,
): string {
  const type = typeof value === 'number' ? '"number"' : '"string"';
  const literal = builder.literal(value);
  if (!arrayish.has(kind))
    return `(typeof ${v} === ${type} && ${v} ${compareSymbols[op]} ${literal})`;
  return `(typeof ${v} === ${type} ? ${v} ${compareSymbols[op]} ${literal} : Array.isArray(${v}) && compare(${v}, ${JSON.stringify(op)}, ${literal}))`;
}

function membership(
  values: readonly JsonValue[],
  v: string,
  kind: ValueKind,
  builder: SourceBuilder,
): string {
  if (kind === 'set') return `setHasAny(${v}, ${builder.constant(values)})`;
  const primitives = values.filter((value) => value === null || typeof value !== 'object');
  const others = values.filter((value) => value !== null && typeof value === 'object');
  const set = new Set<unknown>(primitives);
  if (set.has(null)) set.add(undefined);
  const call = () => `isIn(${v}, ${builder.constant(set)}, ${builder.constant(others)})`;
  if (others.length !== 0 || primitives.length > INLINE_IN) return call();
  const inline = primitives.map((value) =>
    value === null ? `${v} == null` : `${v} === ${builder.literal(value)}`,
  );
  if (!arrayish.has(kind)) return inline.length === 0 ? 'false' : `(${inline.join(' || ')})`;
  // An array value: an element among the literals.
  return `(${[...inline, `(Array.isArray(${v}) && ${call()})`].join(' || ')})`;
}

function typeTest(type: TypeName, v: string, kind: ValueKind): string {
  if (kind === 'set') return type === 'array' ? 'true' : 'false';
  switch (type) {
    case 'array':
      return `Array.isArray(${v})`;
    case 'object':
      return `(typeof ${v} === "object" && ${v} !== null && !Array.isArray(${v}))`;
    case 'null':
      return `${v} === null`;
    case 'undefined':
      return `${v} === undefined`;
    default:
      return `typeof ${v} === ${JSON.stringify(type)}`;
  }
}
