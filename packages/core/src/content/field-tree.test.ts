import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleIssue } from '../rules/rule.js';
import {
  compileFieldTree,
  mergeFieldTrees,
  renderFieldTree,
  type FieldRender,
  type ObjectNode,
} from './field-tree.js';
import { RenderBudget } from './liquid.js';

function compile(value: unknown): { tree: ObjectNode; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const tree = compileFieldTree(value, ['(content)', 0, 'fields'], issues);
  return { tree, issues };
}

function render(tree: ObjectNode, scope: Record<string, unknown> = {}) {
  const run: FieldRender = { scope, strict: true, budget: new RenderBudget(), failure: undefined };
  return { fields: renderFieldTree(tree, run), failure: run.failure };
}

/** `{ a: { a: … 'x' } }` with `levels` objects below the fields. */
function nested(levels: number): unknown {
  let value: unknown = 'x';
  for (let level = 0; level < levels; level++) value = { a: value };
  return value;
}

describe('compileFieldTree', () => {
  it('accepts JSON and renders it back', () => {
    const fields = { s: 'text', n: 1.5, t: true, z: null, a: [1, { b: 'c' }], o: { p: [] } };
    const { tree, issues } = compile(fields);
    assert.deepEqual(issues, []);
    assert.deepEqual(render(tree), { fields, failure: undefined });
  });

  it('reports unsafe keys at any depth and leaves them out', () => {
    const { tree, issues } = compile(
      JSON.parse(
        '{"__proto__": "x", "ok": {"constructor": 1, "list": [{"prototype": 2, "k": 3}]}}',
      ),
    );
    assert.deepEqual(issues, [
      {
        path: ['(content)', 0, 'fields', '__proto__'],
        message: '"__proto__" is not allowed as a field name',
      },
      {
        path: ['(content)', 0, 'fields', 'ok', 'constructor'],
        message: '"constructor" is not allowed as a field name',
      },
      {
        path: ['(content)', 0, 'fields', 'ok', 'list', 0, 'prototype'],
        message: '"prototype" is not allowed as a field name',
      },
    ]);
    assert.deepEqual(render(tree).fields, { ok: { list: [{ k: 3 }] } });
  });

  it('reports values that are not JSON', () => {
    const { issues } = compile({
      u: undefined,
      f: () => 1,
      nan: Number.NaN,
      inf: [Infinity],
      big: 1n,
      date: new Date(0),
      map: new Map(),
      sym: Symbol('s'),
    });
    assert.deepEqual(
      issues.map((issue) => [issue.path.slice(3).join('.'), issue.message]),
      [
        ['u', 'not a JSON value: undefined'],
        ['f', 'not a JSON value: function'],
        ['nan', 'not a JSON value: NaN'],
        ['inf.0', 'not a JSON value: Infinity'],
        ['big', 'not a JSON value: bigint'],
        ['date', 'not a JSON value: Date'],
        ['map', 'not a JSON value: Map'],
        ['sym', 'not a JSON value: symbol'],
      ],
    );
  });

  it('accepts 8 levels of nesting, not 9', () => {
    assert.deepEqual(compile({ a: nested(8) }).issues, []);
    assert.deepEqual(compile({ a: nested(9) }).issues, [
      {
        path: ['(content)', 0, 'fields', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'],
        message: 'nested deeper than 8 levels',
      },
    ]);
    let deepArray: unknown = ['x'];
    for (let level = 0; level < 1000; level++) deepArray = [deepArray];
    assert.equal(compile({ a: deepArray }).issues.length, 1);
  });

  it('reports long templates and syntax errors at their path', () => {
    const { issues } = compile({
      long: 'x'.repeat(10_001),
      fine: 'x'.repeat(10_000),
      steps: [{ title: 'Hi {{ traits.name | shout }}' }, { body: '{% if x %}' }],
    });
    assert.deepEqual(issues, [
      {
        path: ['(content)', 0, 'fields', 'long'],
        message: 'template is longer than 10000 characters',
      },
      {
        path: ['(content)', 0, 'fields', 'steps', 0, 'title'],
        message: 'invalid template: undefined filter: shout, line:1, col:4',
      },
      {
        path: ['(content)', 0, 'fields', 'steps', 1, 'body'],
        message: 'invalid template: tag {% if x %} not closed, line:1, col:1',
      },
    ]);
  });

  it('reports fields that are not an object', () => {
    for (const value of [undefined, null, 'text', [], new Date(0)]) {
      assert.deepEqual(compile(value).issues, [
        { path: ['(content)', 0, 'fields'], message: 'must be an object of fields' },
      ]);
    }
  });
});

describe('mergeFieldTrees', () => {
  it('merges objects key by key and replaces everything else', () => {
    const base = compile({ a: 'A', o: { x: 'X', y: 'Y' }, l: [1, 2], s: { deep: 1 } }).tree;
    const over = compile({ o: { y: 'y2', z: 'Z' }, l: [3], s: 'flat', n: 'new' }).tree;
    assert.deepEqual(render(mergeFieldTrees(base, over)).fields, {
      a: 'A',
      o: { x: 'X', y: 'y2', z: 'Z' },
      l: [3],
      s: 'flat',
      n: 'new',
    });
    assert.deepEqual(render(base).fields, {
      a: 'A',
      o: { x: 'X', y: 'Y' },
      l: [1, 2],
      s: { deep: 1 },
    });
  });
});
