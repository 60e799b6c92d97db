import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConditionCompiler } from '../conditions/condition-compiler.js';
import { defaultProfileSettings } from '../rules/rule-fixtures.js';
import type { RuleIssue } from '../rules/rule.js';
import { addFlows, emptyFlowSet } from './compile-flows.js';
import { compileFlows } from './flow-fixtures.js';
import type { FlowDefinition } from './flow-schema.js';

const step = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  completion: { event: `${id} done` },
  ...extra,
});

function issuesOf(flows: Record<string, unknown>[]): string[] {
  return compileFlows(flows).issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('addFlows', () => {
  it('compiles steps, variants and indexes', () => {
    const { set, issues } = compileFlows([
      {
        id: 'setup',
        placement: 'sidebar',
        audience: { 'traits.role': 'admin' },
        steps: [
          step('profile', { content: 'tip-profile' }),
          step('project', { placement: 'modal', priority: 5, title: 'Create {{ x }}' }),
          { id: 'verified', required: false, completion: { condition: { 'traits.ok': true } } },
          { id: 'any', completion: { event: '*' } },
        ],
        variants: [{ id: 'short', when: { 'traits.plan': 'pro' }, steps: ['project', 'profile'] }],
      },
      { id: 'tour', steps: [step('one'), step('two', { completion: { event: 'profile done' } })] },
    ]);
    assert.deepEqual(issues, []);
    const setup = set.byId.get('setup');
    assert.ok(setup !== undefined);
    assert.deepEqual(
      setup.steps.map((s) => [s.id, s.index, s.required, s.priority, s.placement, s.content]),
      [
        ['profile', 0, true, 0, 'sidebar', 'tip-profile'],
        ['project', 1, true, 5, 'modal', undefined],
        ['verified', 2, false, 0, 'sidebar', undefined],
        ['any', 3, true, 0, 'sidebar', undefined],
      ],
    );
    assert.equal(setup.stepsById.get('project')?.title, 'Create {{ x }}');
    assert.equal(setup.stepsById.get('verified')?.completion.type, 'condition');
    assert.deepEqual(
      setup.variants.map((v) => [v.id, v.steps.map((s) => s.id)]),
      [['short', ['project', 'profile']]],
    );
    assert.equal(set.byId.get('tour')?.steps[0]?.placement, undefined);
    const names = (event: string) => set.byEvent.get(event)?.map((flow) => flow.id);
    assert.deepEqual(names('profile done'), ['setup', 'tour']);
    assert.deepEqual(names('one done'), ['tour']);
    assert.deepEqual(names('*'), ['setup']);
    assert.equal(names('verified done'), undefined);
    // Every flow is checked until a profile starts it (no audience: everyone).
    assert.deepEqual(
      set.conditional.map((flow) => flow.id),
      ['setup', 'tour'],
    );
  });

  it('returns the empty set for no flows', () => {
    assert.equal(compileFlows([]).set, emptyFlowSet);
  });

  it('reports duplicate, unsafe and malformed ids', () => {
    assert.deepEqual(
      issuesOf([
        { id: 'a', steps: [step('x'), step('x')] },
        { id: 'a', steps: [step('y')] },
        { id: 'constructor', steps: [step('prototype')] },
        { id: '__proto__', steps: [step('ok')] },
      ]).map((issue) => issue.split(':')[0]),
      [
        '(flows).0.steps.1.id',
        '(flows).1.id',
        '(flows).2.id',
        '(flows).2.steps.0.id',
        '(flows).3.id',
      ],
    );
  });

  it('reports variants naming unknown steps, twice the same step, or a duplicate id', () => {
    assert.deepEqual(
      issuesOf([
        {
          id: 'f',
          steps: [step('a'), step('b')],
          variants: [
            { id: 'v', when: {}, steps: ['a', 'nope'] },
            { id: 'v', when: {}, steps: ['b', 'b'] },
            { id: 'w', when: {}, steps: ['__proto__'] },
          ],
        },
      ]),
      [
        '(flows).0.variants.0.steps.1: unknown step "nope" (a step id of this flow)',
        '(flows).0.variants.1.id: duplicate variant id "v"',
        '(flows).0.variants.1.steps.1: lists step "b" twice',
        '(flows).0.variants.2.steps.0: unknown step "__proto__" (a step id of this flow)',
      ],
    );
  });

  it('reports conditions reading the event or the request, and bad filters, at their path', () => {
    const issues = issuesOf([
      {
        id: 'f',
        audience: { 'context.page': '/home' },
        steps: [
          step('a', { when: { 'traits.plan': { $bogus: 1 } } }),
          { id: 'b', completion: { condition: { 'event.properties.x': 1 } } },
          { id: 'c', completion: { event: 'E', where: { 'properties.n': { $nope: 1 } } } },
        ],
      },
    ]);
    assert.equal(issues.length, 4);
    assert.match(issues[0] ?? '', /^\(flows\)\.0\.audience\.context\.page: unknown path .*profile/);
    assert.match(issues[1] ?? '', /^\(flows\)\.0\.steps\.0\.when\.traits\.plan\.\$bogus: /);
    assert.match(
      issues[2] ?? '',
      /^\(flows\)\.0\.steps\.1\.completion\.condition\.event\.properties\.x: unknown path/,
    );
    assert.match(issues[3] ?? '', /^\(flows\)\.0\.steps\.2\.completion\.where\.properties\.n/);
  });

  it('reports malformed completions and fields from unvalidated input', () => {
    const issues = issuesOf([
      {
        id: 'f',
        steps: [
          { id: 'a', completion: { event: 'E', condition: {} } },
          { id: 'b', completion: { where: {} } },
          { id: 'c', completion: { event: '' } },
          { id: 'd', completion: { event: 'E', extra: 1 } },
          { id: 'e', completion: 'E' },
          { id: 'g', completion: { event: 'E' }, required: 'yes', priority: 1.5 },
        ],
        variants: [{ id: 'v', steps: ['a'] }],
      },
      { id: 'h', steps: [] },
      'not a flow',
    ] as Record<string, unknown>[]);
    assert.deepEqual(
      issues.map((issue) => issue.split(':')[0]),
      [
        '(flows).0.steps.0.completion',
        '(flows).0.steps.1.completion',
        '(flows).0.steps.2.completion.event',
        '(flows).0.steps.3.completion',
        '(flows).0.steps.4.completion',
        '(flows).0.steps.5.required',
        '(flows).0.steps.5.priority',
        '(flows).0.variants.0.when',
        '(flows).1.steps',
        '(flows).2',
      ],
    );
  });

  it('leaves content and placement ids to the caller', () => {
    assert.deepEqual(
      issuesOf([{ id: 'f', placement: 'nowhere', steps: [step('a', { content: 'missing' })] }]),
      [],
    );
  });

  it('compiles into the shared compiler: conditions work once it is finished', () => {
    const compiler = new ConditionCompiler({ profiles: defaultProfileSettings() });
    const issues: RuleIssue[] = [];
    const bind = addFlows(
      [
        {
          id: 'f',
          steps: [
            {
              id: 'a',
              required: true,
              priority: 0,
              completion: { condition: { eventCount: { $gte: 1 } } },
            },
          ],
        } as FlowDefinition,
      ],
      compiler,
      issues,
    );
    compiler.finish();
    const completion = bind().byId.get('f')?.steps[0]?.completion;
    assert.equal(completion?.type, 'condition');
    assert.equal(
      typeof (completion?.type === 'condition' && completion.condition.test),
      'function',
    );
  });
});
