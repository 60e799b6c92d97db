/**
 * Validates a condition document into a ConditionNode tree, collecting every
 * issue with its path inside the document. Nothing here runs per evaluation.
 *
 * A condition is an object; its keys all hold (implicit $and). A key is a
 * logical operator ($and $or $nor $not), a behavioural one ($event $elapsed
 * $sequence, profile conditions only) or a path, tested with a literal or an
 * object of value operators (validate-operators.ts).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json.js';
import type { ConditionIssue } from './condition.js';
import type { ConditionNode } from './condition-tree.js';
import { measureDocument } from './literals.js';
import { resolvePath, type PathContext } from './paths.js';
import { validateElapsed, validateEvent, validateSequence } from './validate-behaviour.js';
import { validateValueTest, type OperatorContext, type Path } from './validate-operators.js';

export const MAX_DEPTH = 32;
export const MAX_NODES = 2000;

export interface Validation {
  readonly node: ConditionNode | undefined;
  readonly issues: ConditionIssue[];
}

/** Validates a whole document (limits first: depth, size, plain JSON). */
export function validateCondition(document: unknown, paths: PathContext): Validation {
  const issues: ConditionIssue[] = [];
  const limit = measureDocument(document, MAX_DEPTH, MAX_NODES);
  if (limit !== undefined) {
    issues.push(limit);
    return { node: undefined, issues };
  }
  const node = new ConditionValidator(issues).condition(document as JsonValue, [], paths);
  return { node: issues.length === 0 ? node : undefined, issues };
}

/** Walks one document; shared by nested filters (`where`) and `$elemMatch` queries. */
export class ConditionValidator {
  /** Inside $elemMatch, paths are relative to the element, and behavioural operators are refused. */
  private readonly operators: OperatorContext;

  constructor(readonly issues: ConditionIssue[]) {
    this.operators = {
      issues,
      elementCondition: (document: JsonObject, path: Path) =>
        this.condition(document, path, { type: 'element' }),
    };
  }

  issue(path: Path, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** A condition object at `path`. */
  condition(document: JsonValue, path: Path, paths: PathContext): ConditionNode | undefined {
    if (!isJsonObject(document)) {
      return this.issue(
        path,
        `wrong type: a condition is an object, got ${describeValue(document)}`,
      );
    }
    const children: ConditionNode[] = [];
    for (const key of Object.keys(document)) {
      const child = this.entry(key, document[key] as JsonValue, [...path, key], paths);
      if (child !== undefined) children.push(child);
    }
    return children.length === 1 ? children[0] : { type: 'and', label: '$and', children };
  }

  private entry(
    key: string,
    operand: JsonValue,
    path: Path,
    paths: PathContext,
  ): ConditionNode | undefined {
    switch (key) {
      case '$and':
      case '$or':
      case '$nor':
        return this.logical(key, operand, path, paths);
      case '$not': {
        const child = this.condition(operand, path, paths);
        return child === undefined ? undefined : { type: 'not', label: key, child };
      }
      case '$event':
      case '$elapsed':
      case '$sequence':
        if (paths.type !== 'profile') {
          return this.issue(
            path,
            `unknown operator "${key}": behavioural operators apply to profiles only`,
          );
        }
        if (key === '$event') return validateEvent(this, operand, path);
        return key === '$elapsed'
          ? validateElapsed(this, operand, path)
          : validateSequence(this, operand, path);
    }
    if (key.startsWith('$')) return this.issue(path, `unknown operator "${key}"`);
    const field = resolvePath(key, paths);
    if (typeof field === 'string') return this.issue(path, field);
    const test = validateValueTest(operand, field.kind, path, this.operators);
    return { type: 'field', field, operand, test };
  }

  private logical(
    key: '$and' | '$or' | '$nor',
    operand: JsonValue,
    path: Path,
    paths: PathContext,
  ): ConditionNode | undefined {
    if (!Array.isArray(operand) || operand.length === 0) {
      return this.issue(path, `wrong type: ${key} expects a non-empty array of conditions`);
    }
    const children: ConditionNode[] = [];
    operand.forEach((item, i) => {
      const child = this.condition(item, [...path, i], paths);
      if (child !== undefined) children.push(child);
    });
    return { type: key === '$and' ? 'and' : key === '$or' ? 'or' : 'nor', label: key, children };
  }
}

function describeValue(value: JsonValue): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
