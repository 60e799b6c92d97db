/**
 * Building blocks for tests of rules (core and server): rule definitions with
 * the schema's defaults filled, as the config file and admin API hand them over,
 * compiled with default settings; profiles that have seen some events.
 * Not exported from the package barrel.
 */
import { Value } from '@sinclair/typebox/value';
import type { OnrampEvent } from '../events/event.js';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import { compileRuleSet } from './compile-rule-set.js';
import type { CompiledRuleSet } from './rule.js';
import {
  ClusteringSchema,
  CohortSchema,
  SegmentSchema,
  type ClusteringDefinition,
  type CohortDefinition,
  type SegmentDefinition,
} from '../segments/segment-schema.js';
import {
  RuleSchema,
  RuleSettingsSchema,
  type RuleDefinition,
  type RuleSettings,
} from './rule-schema.js';

import {
  ContentItemSchema,
  ContentSettingsSchema,
  PlacementSchema,
  type ContentItem,
  type ContentSettings,
  type PlacementDefinition,
} from '../content/content-schema.js';
import { FlowSchema, type FlowDefinition } from '../flows/flow-schema.js';

export const defaultProfileSettings = (): ProfileSettings =>
  Value.Default(ProfileSettingsSchema, {}) as ProfileSettings;

/** A rule definition with defaults filled (enabled, priority 0, no constraints). */
export function ruleDefinition(rule: Record<string, unknown>): RuleDefinition {
  return Value.Default(RuleSchema, structuredClone(rule)) as RuleDefinition;
}

export function ruleSettings(settings: Partial<RuleSettings> = {}): RuleSettings {
  return Value.Default(RuleSettingsSchema, structuredClone(settings)) as RuleSettings;
}

/** Compiles rules as written (defaults filled) under default profile settings. */
export function compileRules(
  rules: readonly Record<string, unknown>[],
  settings: Partial<RuleSettings> = {},
  version = 1,
): CompiledRuleSet {
  return compileRuleSet(rules.map(ruleDefinition), {
    profiles: defaultProfileSettings(),
    settings: ruleSettings(settings),
    version,
  });
}

/** Rules, segments, cohorts and clusterings as written (defaults filled), compiled together. */
export function compileConfig(
  config: {
    rules?: readonly Record<string, unknown>[];
    segments?: readonly Record<string, unknown>[];
    cohorts?: readonly Record<string, unknown>[];
    clusterings?: readonly Record<string, unknown>[];
    /** Profile settings besides the defaults (e.g. engagement weights). */
    profiles?: Partial<ProfileSettings>;
    content?: readonly Record<string, unknown>[];
    placements?: readonly Record<string, unknown>[];
    flows?: readonly Record<string, unknown>[];
    contentSettings?: Record<string, unknown>;
  },
  version = 1,
): CompiledRuleSet {
  const fill = <T>(
    schema: Parameters<typeof Value.Default>[0],
    items = [] as readonly Record<string, unknown>[],
  ) => items.map((item) => Value.Default(schema, structuredClone(item)) as T);
  return compileRuleSet((config.rules ?? []).map(ruleDefinition), {
    profiles: { ...defaultProfileSettings(), ...config.profiles },
    settings: ruleSettings(),
    version,
    audiences: {
      segments: fill<SegmentDefinition>(SegmentSchema, config.segments),
      cohorts: fill<CohortDefinition>(CohortSchema, config.cohorts),
      clusterings: fill<ClusteringDefinition>(ClusteringSchema, config.clusterings),
    },
    decide: {
      content: fill<ContentItem>(ContentItemSchema, config.content),
      placements: fill<PlacementDefinition>(PlacementSchema, config.placements),
      flows: fill<FlowDefinition>(FlowSchema, config.flows),
      contentSettings: Value.Default(
        ContentSettingsSchema,
        structuredClone(config.contentSettings ?? {}),
      ) as ContentSettings,
    },
  });
}

let serial = 0;

/** A track event (or another type through `fields`) of user "u1" at `at`. */
export function trackEvent(
  name: string,
  at: number,
  fields: Partial<OnrampEvent> = {},
): OnrampEvent {
  serial += 1;
  return {
    type: 'track',
    event: name,
    messageId: `m${serial}`,
    userId: 'u1',
    properties: {},
    timestamp: at,
    receivedAt: at,
    ...fields,
  };
}

/** A profile of user "u1" that has seen `events`, applied at their receivedAt. */
export function profileWith(
  set: CompiledRuleSet,
  events: readonly OnrampEvent[],
  at = events[0]?.timestamp ?? 0,
): ProfileState {
  const profile = createProfile('p1', at);
  profile.userId = 'u1';
  for (const event of events) applyEvent(profile, event, set.profilePlan, event.receivedAt);
  return profile;
}
