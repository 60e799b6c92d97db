/**
 * What the server's experiment tests publish (not used by the server itself): content
 * for a banner placement, a flow, a flag, and experiments over them.
 */
import { Value } from '@sinclair/typebox/value';
import {
  ContentItemSchema,
  FlagSchema,
  FlowSchema,
  PlacementSchema,
  type ContentItem,
  type FlagDefinition,
  type FlowDefinition,
  type PlacementDefinition,
} from '@onramp/core';
import type { TestServer } from '../testing/test-server.js';

type Json = Record<string, unknown>;
const fill = <T>(schema: Parameters<typeof Value.Default>[0], items: Json[]): T[] =>
  items.map((item) => Value.Default(schema, structuredClone(item)) as T);

/** Publishes the content, placement, flow and flag the experiments below refer to. */
export async function publishExperimentBase(server: TestServer): Promise<void> {
  await server.engine.rules.publish(server.workspace.id, {
    source: 'api',
    content: fill<ContentItem>(ContentItemSchema, [
      { id: 'welcome', type: 'banner', fields: { title: 'Welcome' } },
      { id: 'welcome-b', type: 'banner', fields: { title: 'Hello there' } },
    ]),
    placements: fill<PlacementDefinition>(PlacementSchema, [
      { id: 'banner', default: 'welcome', types: ['banner'] },
    ]),
    flows: fill<FlowDefinition>(FlowSchema, [
      { id: 'setup', steps: [{ id: 'invite', completion: { event: 'Teammate Invited' } }] },
    ]),
    flags: fill<FlagDefinition>(FlagSchema, [
      {
        key: 'new-editor',
        type: 'boolean',
        variants: { on: true, off: false },
        defaultVariant: 'off',
      },
    ]),
  });
}

export function welcomeExperiment(extra: Json = {}): Json {
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
      { id: 'revenue', type: 'value', event: 'Order Completed', property: 'revenue' },
      { id: 'invited', type: 'step', flow: 'setup', step: 'invite' },
      {
        id: 'errors',
        type: 'count',
        event: 'Error Shown',
        role: 'guardrail',
        higherIsBetter: false,
      },
    ],
    ...extra,
  };
}
