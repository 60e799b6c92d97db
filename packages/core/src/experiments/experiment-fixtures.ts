/**
 * Building blocks for experiment tests (core and server): a config version with
 * content, placements, a flow, a flag, a segment and the experiments given, compiled
 * together by compileRuleSet as the server does. Not exported from the package barrel.
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
import { FlagSchema, type FlagDefinition } from '../flags/flag-schema.js';
import { FlowSchema, type FlowDefinition } from '../flows/flow-schema.js';
import { compileRuleSet } from '../rules/compile-rule-set.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { defaultProfileSettings, ruleSettings } from '../rules/rule-fixtures.js';
import { SegmentSchema, type SegmentDefinition } from '../segments/segment-schema.js';
import { ExperimentSchema, type ExperimentDefinition } from './experiment-schema.js';

export const experimentContent = [
  { id: 'welcome', type: 'banner', fields: { title: 'Welcome' } },
  {
    id: 'welcome-b',
    type: 'banner',
    fields: { title: 'Hello there' },
    variants: [{ id: 'short', fields: { title: 'Hi' } }],
  },
  { id: 'tip', type: 'tooltip', fields: { target: '#x', body: 'Tip' } },
];
export const experimentPlacements = [
  { id: 'banner', default: 'welcome', types: ['banner'] },
  { id: 'empty' },
];
export const experimentFlows = [
  {
    id: 'setup',
    steps: [
      { id: 'profile', completion: { event: 'Profile Completed' } },
      { id: 'invite', completion: { event: 'Teammate Invited' } },
    ],
  },
];
export const experimentFlags = [
  {
    key: 'new-editor',
    type: 'boolean',
    variants: { on: true, off: false },
    defaultVariant: 'off',
  },
];
export const experimentSegments = [{ id: 'admins', condition: { 'traits.role': 'admin' } }];

/** A welcome-banner experiment: control shows the default, `friendly` shows welcome-b. */
export function bannerExperiment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'welcome-test',
    status: 'running',
    placement: 'banner',
    variants: [
      { id: 'control', weight: 50 },
      { id: 'friendly', weight: 50, content: { item: 'welcome-b' } },
    ],
    metrics: [
      { id: 'activated', type: 'conversion', event: 'Project Created', within: '7d' },
      { id: 'projects', type: 'count', event: 'Project Created' },
      { id: 'revenue', type: 'value', event: 'Order Completed', property: 'revenue' },
      { id: 'invited', type: 'step', flow: 'setup', step: 'invite' },
    ],
    ...overrides,
  };
}

/** The config version of the fixtures with these experiments (schema defaults filled). */
export function compileWithExperiments(
  experiments: readonly Record<string, unknown>[],
  version = 1,
): CompiledRuleSet {
  const fill = <T>(schema: Parameters<typeof Value.Default>[0], items: readonly unknown[]) =>
    items.map((item) => Value.Default(schema, structuredClone(item)) as T);
  return compileRuleSet([], {
    profiles: defaultProfileSettings(),
    settings: ruleSettings(),
    version,
    audiences: { segments: fill<SegmentDefinition>(SegmentSchema, experimentSegments) },
    decide: {
      content: fill<ContentItem>(ContentItemSchema, experimentContent),
      placements: fill<PlacementDefinition>(PlacementSchema, experimentPlacements),
      flows: fill<FlowDefinition>(FlowSchema, experimentFlows),
      contentSettings: Value.Default(ContentSettingsSchema, {}) as ContentSettings,
    },
    flags: fill<FlagDefinition>(FlagSchema, experimentFlags),
    experiments: fill<ExperimentDefinition>(ExperimentSchema, experiments),
  });
}
