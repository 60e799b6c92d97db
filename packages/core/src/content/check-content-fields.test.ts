import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleIssue } from '../rules/rule.js';
import { compileContentList } from './compile-content.js';
import type { ContentItem } from './content-schema.js';

/** The issues of one item, as [path after the item's index, message]. */
function problems(item: Record<string, unknown>): [string, string][] {
  const issues: RuleIssue[] = [];
  compileContentList([{ id: 'x', ...item } as ContentItem], { defaultLocale: 'en' }, issues);
  for (const issue of issues) assert.deepEqual(issue.path.slice(0, 2), ['(content)', 0]);
  return issues.map((issue) => [issue.path.slice(2).join('.'), issue.message]);
}

const selector = '"target": a CSS selector (a non-empty string)';
const steps = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    target: `#step-${index}`,
    title: `Step ${index}`,
  }));

describe('type-specific fields', () => {
  it('tooltip: needs a string target and body', () => {
    assert.deepEqual(problems({ type: 'tooltip', fields: { target: '#save', body: 'Save' } }), []);
    assert.deepEqual(problems({ type: 'tooltip', fields: { title: 'Tip' } }), [
      ['fields.target', `a tooltip needs ${selector}`],
      ['fields.body', 'a tooltip needs "body": a non-empty string'],
    ]);
    assert.deepEqual(problems({ type: 'tooltip', fields: { target: ['#a'], body: ' ' } }), [
      ['fields.target', `a tooltip needs ${selector}`],
      ['fields.body', 'a tooltip needs "body": a non-empty string'],
    ]);
  });

  it('tooltip: locales and variants may leave them out, not break them', () => {
    assert.deepEqual(
      problems({
        type: 'tooltip',
        fields: { target: '#save', body: 'Save' },
        locales: { fr: { body: 'Enregistrer' }, de: { target: 5 } },
        variants: [
          { id: 'b', fields: { body: 'Keep' } },
          { id: 'c', locales: { es: { body: '' } } },
        ],
      }),
      [
        ['locales.de.target', `a tooltip needs ${selector}`],
        ['variants.1.locales.es.body', 'a tooltip needs "body": a non-empty string'],
      ],
    );
  });

  it('tour: needs 1 to 50 steps, each with a target', () => {
    assert.deepEqual(problems({ type: 'tour', fields: { steps: steps(1) } }), []);
    assert.deepEqual(problems({ type: 'tour', fields: { steps: steps(50) } }), []);
    const wrong = 'a tour needs "steps": a list of 1 to 50 steps';
    assert.deepEqual(problems({ type: 'tour', fields: {} }), [['fields.steps', wrong]]);
    assert.deepEqual(problems({ type: 'tour', fields: { steps: [] } }), [['fields.steps', wrong]]);
    assert.deepEqual(problems({ type: 'tour', fields: { steps: steps(51) } }), [
      ['fields.steps', wrong],
    ]);
    assert.deepEqual(problems({ type: 'tour', fields: { steps: { target: '#a' } } }), [
      ['fields.steps', wrong],
    ]);
    assert.deepEqual(
      problems({
        type: 'tour',
        fields: { steps: [{ title: 'One' }, 'two', { target: '' }, { target: '#ok' }] },
      }),
      [
        ['fields.steps.0.target', `a step needs ${selector}`],
        ['fields.steps.1', 'a step must be an object'],
        ['fields.steps.2.target', `a step needs ${selector}`],
      ],
    );
  });

  it('tour: steps replaced by a locale are checked too', () => {
    assert.deepEqual(
      problems({
        type: 'tour',
        fields: { steps: steps(2) },
        locales: { fr: { steps: [{ title: 'Un' }] }, de: { title: 'Tour' } },
      }),
      [['locales.fr.steps.0.target', `a step needs ${selector}`]],
    );
  });

  it('banner, message, modal, offer: need a title or a body', () => {
    for (const type of ['banner', 'message', 'modal', 'offer']) {
      assert.deepEqual(problems({ type, fields: { title: 'T' } }), [], type);
      assert.deepEqual(problems({ type, fields: { body: 'B' } }), [], type);
      assert.deepEqual(problems({ type, fields: { cta: 'Go' } }), [
        ['fields', `a ${type} needs a "title" or a "body"`],
      ]);
    }
    assert.deepEqual(problems({ type: 'modal', fields: { title: 3, body: '' } }), [
      ['fields.title', '"title" must be a non-empty string'],
      ['fields.body', '"body" must be a non-empty string'],
    ]);
    assert.deepEqual(
      problems({
        type: 'offer',
        fields: { title: 'T' },
        variants: [{ id: 'b', fields: { body: {} } }],
      }),
      [['variants.0.fields.body', '"body" must be a non-empty string']],
    );
  });

  it('checklist: needs a flow, which only checklists and tours may have', () => {
    assert.deepEqual(
      problems({ type: 'checklist', flow: 'setup', fields: { title: 'Setup' } }),
      [],
    );
    assert.deepEqual(problems({ type: 'checklist', fields: {} }), [
      ['flow', 'a checklist needs "flow": the flow it shows'],
    ]);
    assert.deepEqual(problems({ type: 'checklist', flow: 42, fields: {} }), [
      ['flow', 'a checklist needs "flow": the flow it shows'],
    ]);
    assert.deepEqual(problems({ type: 'banner', flow: 'setup', fields: { title: 'T' } }), [
      ['flow', '"flow" is only allowed on checklists and tours'],
    ]);
    const tour = { target: '#a', step: 'one' };
    assert.deepEqual(problems({ type: 'tour', flow: 'setup', fields: { steps: [tour] } }), []);
    assert.deepEqual(problems({ type: 'tour', fields: { steps: [{ ...tour, step: 7 }] } }), [
      ['fields.steps.0.step', '"step" must be the id of a step of the tour\'s flow'],
    ]);
  });
});
