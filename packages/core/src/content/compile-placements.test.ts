import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleIssue } from '../rules/rule.js';
import { compileContentList } from './compile-content.js';
import { compilePlacements } from './compile-placements.js';
import type { PlacementDefinition } from './content-schema.js';

const content = compileContentList(
  [
    { id: 'welcome', type: 'banner', fields: { title: 'Welcome' } },
    { id: 'save-tip', type: 'tooltip', fields: { target: '#save', body: 'Save' } },
  ],
  { defaultLocale: 'en' },
  [],
);

function compile(placements: unknown[]) {
  const issues: RuleIssue[] = [];
  const compiled = compilePlacements(placements as PlacementDefinition[], content, issues);
  return { compiled, issues };
}

describe('compilePlacements', () => {
  it('compiles placements with their default content and types', () => {
    const { compiled, issues } = compile([
      { id: 'home-top', default: 'welcome', types: ['banner', 'modal', 'banner'] },
      { id: 'sidebar', name: 'Sidebar' },
      { id: 'editor', default: 'save-tip' },
    ]);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      [...compiled.values()],
      [
        { id: 'home-top', defaultContent: 'welcome', types: new Set(['banner', 'modal']) },
        { id: 'sidebar' },
        { id: 'editor', defaultContent: 'save-tip' },
      ],
    );
  });

  it('reports every problem with its path', () => {
    const { compiled, issues } = compile([
      { id: 'top', default: 'welcome' },
      { id: 'top' },
      { id: 'constructor' },
      { id: 'side', default: 'missing' },
      { id: 'modal', default: 'save-tip', types: ['banner', 'modal'] },
      { id: 'odd', types: ['banner', 'popup'] },
      { id: 'none', types: [] },
      { default: '__proto__' },
      7,
    ]);
    assert.deepEqual(issues, [
      { path: ['(placements)', 1, 'id'], message: 'duplicate placement id "top"' },
      { path: ['(placements)', 2, 'id'], message: '"constructor" is not allowed as an id' },
      { path: ['(placements)', 3, 'default'], message: 'unknown content "missing"' },
      {
        path: ['(placements)', 4, 'default'],
        message: 'content "save-tip" is a tooltip; this placement shows banner, modal',
      },
      {
        path: ['(placements)', 5, 'types', 1],
        message:
          'unknown content type "popup"; one of message, banner, tooltip, modal, checklist, tour, offer',
      },
      { path: ['(placements)', 6, 'types'], message: 'must be a non-empty list of content types' },
      { path: ['(placements)', 7, 'id'], message: 'missing placement id' },
      { path: ['(placements)', 7, 'default'], message: 'unknown content "__proto__"' },
      { path: ['(placements)', 8], message: 'must be an object' },
    ]);
    assert.deepEqual([...compiled.keys()], ['top', 'side', 'modal', 'odd', 'none']);
  });

  it('reports placements that are not a list', () => {
    const { compiled, issues } = compile({} as unknown as unknown[]);
    assert.deepEqual(issues, [{ path: ['(placements)'], message: 'must be a list of placements' }]);
    assert.equal(compiled.size, 0);
  });

  it('finds content by own id only', () => {
    const issues: RuleIssue[] = [];
    compilePlacements([{ id: 'p', default: 'toString' }], new Map(), issues);
    assert.deepEqual(issues, [
      { path: ['(placements)', 0, 'default'], message: 'unknown content "toString"' },
    ]);
  });
});
