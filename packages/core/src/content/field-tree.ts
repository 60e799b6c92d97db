/**
 * Content fields compiled to a tree: every string leaf is a parsed template, other
 * JSON values pass through. Trees are checked and compiled once at publish, merged
 * (locales, variants) without re-parsing, and rendered per decision.
 */
import type { JsonObject, JsonPrimitive, JsonValue } from '../json/json.js';
import { isUnsafeKey } from '../json/json.js';
import type { RuleIssue } from '../rules/rule.js';
import type { RenderErrorCode, TemplateScope } from './content.js';
import {
  compileTemplate,
  renderTemplate,
  maxTemplateLength,
  type CompiledTemplate,
  type RenderBudget,
} from './liquid.js';

/** How deep a field value may nest arrays and objects (`{ a: [ { … } ] }` is 2). */
export const maxFieldDepth = 8;

export type FieldNode =
  | {
      kind: 'template';
      template: CompiledTemplate;
      /** The template's place in the item, for render messages: "locales.fr.title". */
      where: string;
    }
  | { kind: 'value'; value: JsonPrimitive }
  | { kind: 'array'; items: readonly FieldNode[] }
  | ObjectNode;

export interface ObjectNode {
  kind: 'object';
  keys: readonly string[];
  values: readonly FieldNode[];
}

type Path = (string | number)[];

/**
 * Checks and compiles a fields object (`fields`, a locale's, a variant's, `fallback`),
 * reporting every problem under `path` (whose first two entries, "(content)" and the
 * item's index, are left out of render messages). Never throws.
 */
export function compileFieldTree(value: unknown, path: Path, issues: RuleIssue[]): ObjectNode {
  if (!isPlainObject(value)) {
    issues.push({ path, message: 'must be an object of fields' });
    return emptyObjectNode;
  }
  return compileObject(value, path, 0, issues);
}

export const emptyObjectNode: ObjectNode = { kind: 'object', keys: [], values: [] };

function compileValue(
  value: unknown,
  path: Path,
  depth: number,
  issues: RuleIssue[],
): FieldNode | undefined {
  if (typeof value === 'string') return compileString(value, path, issues);
  if (value === null || typeof value === 'boolean') return { kind: 'value', value };
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return { kind: 'value', value };
    issues.push({ path, message: `not a JSON value: ${value}` });
    return undefined;
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (depth >= maxFieldDepth) {
      issues.push({ path, message: `nested deeper than ${maxFieldDepth} levels` });
      return undefined;
    }
    if (!Array.isArray(value)) return compileObject(value, path, depth + 1, issues);
    const items: FieldNode[] = [];
    value.forEach((item: unknown, index) => {
      const node = compileValue(item, [...path, index], depth + 1, issues);
      if (node !== undefined) items.push(node);
    });
    return { kind: 'array', items };
  }
  issues.push({ path, message: `not a JSON value: ${describe(value)}` });
  return undefined;
}

function compileObject(
  value: Readonly<Record<string, unknown>>,
  path: Path,
  depth: number,
  issues: RuleIssue[],
): ObjectNode {
  const keys: string[] = [];
  const values: FieldNode[] = [];
  for (const key of Object.keys(value)) {
    if (isUnsafeKey(key)) {
      issues.push({ path: [...path, key], message: `"${key}" is not allowed as a field name` });
      continue;
    }
    const node = compileValue(value[key], [...path, key], depth, issues);
    if (node === undefined) continue;
    keys.push(key);
    values.push(node);
  }
  return { kind: 'object', keys, values };
}

function compileString(source: string, path: Path, issues: RuleIssue[]): FieldNode | undefined {
  if (source.length > maxTemplateLength) {
    issues.push({ path, message: `template is longer than ${maxTemplateLength} characters` });
    return undefined;
  }
  try {
    return { kind: 'template', template: compileTemplate(source), where: path.slice(2).join('.') };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    issues.push({ path, message: `invalid template: ${message}` });
    return undefined;
  }
}

/**
 * `over` laid on `base`: objects merge key by key (recursively), anything else
 * (strings, arrays, numbers) replaces. Neither input is changed.
 */
export function mergeFieldTrees(base: ObjectNode, over: ObjectNode): ObjectNode {
  if (over.keys.length === 0) return base;
  const keys = [...base.keys];
  const values = [...base.values];
  over.keys.forEach((key, index) => {
    const value = over.values[index] as FieldNode;
    const at = keys.indexOf(key);
    if (at === -1) {
      keys.push(key);
      values.push(value);
      return;
    }
    const previous = values[at] as FieldNode;
    values[at] =
      previous.kind === 'object' && value.kind === 'object'
        ? mergeFieldTrees(previous, value)
        : value;
  });
  return { kind: 'object', keys, values };
}

/** The state of one render: the first failure stops it. */
export interface FieldRender {
  scope: TemplateScope;
  strict: boolean;
  budget: RenderBudget;
  failure: { code: RenderErrorCode; message: string } | undefined;
}

/** Renders a tree; on failure returns null with `run.failure` set. */
export function renderFieldTree(node: ObjectNode, run: FieldRender): JsonObject | null {
  const fields: JsonObject = {};
  const { keys, values } = node;
  for (let index = 0; index < keys.length; index++) {
    const value = renderNode(values[index] as FieldNode, run);
    if (run.failure !== undefined) return null;
    fields[keys[index] as string] = value;
  }
  return fields;
}

function renderNode(node: FieldNode, run: FieldRender): JsonValue {
  switch (node.kind) {
    case 'template': {
      const result = renderTemplate(node.template, run.scope, run);
      if (result.ok) return result.text;
      run.failure = { code: result.code, message: `${node.where}: ${result.message}` };
      return null;
    }
    case 'value':
      return node.value;
    case 'array': {
      const items: JsonValue[] = new Array<JsonValue>(node.items.length);
      for (let index = 0; index < items.length; index++) {
        items[index] = renderNode(node.items[index] as FieldNode, run);
        if (run.failure !== undefined) return null;
      }
      return items;
    }
    case 'object':
      return renderFieldTree(node, run);
  }
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return value?.constructor?.name ?? 'object';
  return typeof value;
}
