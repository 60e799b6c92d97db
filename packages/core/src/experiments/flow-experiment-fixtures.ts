/**
 * Building blocks for flow experiment tests: a `setup` flow whose step content shows in
 * a sidebar, with an `admin` variant (by role) and a `short` one (by a trait nobody
 * has), a second flow, and the experiments given, compiled by compileRuleSet as the
 * server does. Not exported from the package barrel.
 */
import { Value } from '@sinclair/typebox/value';
import {
  ContentItemSchema,
  ContentSettingsSchema,
  PlacementSchema,
  type ContentItem,
  type ContentSettings,
  type PlacementDefinition,
} from '../content/content-schema.js';
import { FlowSchema, type FlowDefinition } from '../flows/flow-schema.js';
import { compileRuleSet } from '../rules/compile-rule-set.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { defaultProfileSettings, ruleSettings } from '../rules/rule-fixtures.js';
import { ExperimentSchema, type ExperimentDefinition } from './experiment-schema.js';

type Json = Record<string, unknown>;

const content = ['profile', 'project', 'invite'].map((step) => ({
  id: `tip-${step}`,
  type: 'tooltip',
  fields: { target: `#${step}`, body: `Do ${step}` },
}));

export const setupFlows: Json[] = [
  {
    id: 'setup',
    placement: 'sidebar',
    steps: [
      { id: 'profile', content: 'tip-profile', completion: { event: 'Profile Completed' } },
      { id: 'project', content: 'tip-project', completion: { event: 'Project Created' } },
      { id: 'invite', content: 'tip-invite', completion: { event: 'Teammate Invited' } },
    ],
    variants: [
      { id: 'admin', when: { 'traits.role': 'admin' }, steps: ['invite', 'profile', 'project'] },
      { id: 'short', when: { 'traits.plan': 'never' }, steps: ['project', 'invite'] },
    ],
  },
  { id: 'other', steps: [{ id: 'one', completion: { event: 'One' } }] },
];

/** An A/B test of the setup flow: every step in order against the short variant. */
export function setupExperiment(overrides: Json = {}): Json {
  return {
    id: 'setup-test',
    status: 'running',
    variants: [
      { id: 'full', weight: 50, flow: { id: 'setup' } },
      { id: 'short', weight: 50, flow: { id: 'setup', variant: 'short' } },
    ],
    metrics: [
      { id: 'project', type: 'step', flow: 'setup', step: 'project' },
      { id: 'invite', type: 'step', flow: 'setup', step: 'invite' },
    ],
    ...overrides,
  };
}

/** The config version of these flows, their content and the sidebar, with `experiments`. */
export function compileFlowExperiments(experiments: readonly Json[], version = 1): CompiledRuleSet {
  const fill = <T>(schema: Parameters<typeof Value.Default>[0], items: readonly unknown[]) =>
    items.map((item) => Value.Default(schema, structuredClone(item)) as T);
  return compileRuleSet([], {
    profiles: defaultProfileSettings(),
    settings: ruleSettings(),
    version,
    decide: {
      content: fill<ContentItem>(ContentItemSchema, content),
      placements: fill<PlacementDefinition>(PlacementSchema, [{ id: 'sidebar' }]),
      flows: fill<FlowDefinition>(FlowSchema, setupFlows),
      contentSettings: Value.Default(ContentSettingsSchema, {}) as ContentSettings,
    },
    experiments: fill<ExperimentDefinition>(ExperimentSchema, experiments),
  });
}
