/**
 * A config version's parts checked against their schemas (defaults filled, as the
 * config file and the admin API do) and compiled together by compileRuleSet:
 * rules and settings, segments, cohorts and clusterings, content, placements,
 * flows and content settings, flags, experiments. Every problem is one RuleConfigError naming each field.
 */
import type { ConfigBehaviour } from '../config/config-file.js';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  ClusteringSchema,
  CohortSchema,
  ContentItemSchema,
  ContentSettingsSchema,
  FlagSchema,
  ExperimentSchema,
  FlowSchema,
  PlacementSchema,
  RuleConfigError,
  RuleSchema,
  RuleSettingsSchema,
  SegmentSchema,
  compileRuleSet,
  type ClusteringDefinition,
  type CohortDefinition,
  type CompiledRuleSet,
  type ContentItem,
  type ContentSettings,
  type FlagDefinition,
  type ExperimentDefinition,
  type FlowDefinition,
  type PlacementDefinition,
  type RuleConfigVersion,
  type RuleDefinition,
  type RuleIssue,
  type RuleSettings,
  type SegmentDefinition,
  type WorkspaceSettings,
} from '@onramp/core';

/** The rule settings with every default filled. */
export function defaultRuleSettings(): RuleSettings {
  return Value.Default(RuleSettingsSchema, {}) as RuleSettings;
}

/** The content settings with every default filled (defaultLocale "en"). */
export function defaultContentSettings(): ContentSettings {
  return Value.Default(ContentSettingsSchema, {}) as ContentSettings;
}

/** Version 0: what a workspace runs before any config was published. */
export function emptyRuleConfig(workspaceId: string): RuleConfigVersion {
  return {
    workspaceId,
    version: 0,
    rules: [],
    settings: defaultRuleSettings(),
    segments: [],
    cohorts: [],
    clusterings: [],
    content: [],
    placements: [],
    flows: [],
    contentSettings: defaultContentSettings(),
    flags: [],
    experiments: [],
    createdAt: 0,
    source: 'api',
  };
}

/** What a config version holds besides its metadata; absent lists are empty, absent settings the defaults. */
export interface RuleConfigInput {
  rules: readonly unknown[];
  settings: unknown;
  segments?: readonly unknown[] | undefined;
  cohorts?: readonly unknown[] | undefined;
  clusterings?: readonly unknown[] | undefined;
  content?: readonly unknown[] | undefined;
  placements?: readonly unknown[] | undefined;
  flows?: readonly unknown[] | undefined;
  contentSettings?: unknown;
  flags?: readonly unknown[] | undefined;
  experiments?: readonly unknown[] | undefined;
}

/** A config version's parts, defaults filled (as the config file gives them), and the compiled set. */
export interface CompiledRuleConfig extends ConfigBehaviour {
  set: CompiledRuleSet;
}

/**
 * Checks a config version against the schemas (filling defaults) and compiles it;
 * RuleConfigError names every field ('(content)', 2, 'fields'… for the new parts).
 */
export function compileRules(
  input: RuleConfigInput,
  profiles: WorkspaceSettings['profiles'],
  version: number,
): CompiledRuleConfig {
  const issues: RuleIssue[] = [];
  const list = <T>(schema: TSchema, items: readonly unknown[] | undefined, root: string[]) =>
    normalizeList<T>(schema, items ?? [], root, issues);
  const rules = list<RuleDefinition>(RuleSchema, input.rules, []);
  const segments = list<SegmentDefinition>(SegmentSchema, input.segments, ['(segments)']);
  const cohorts = list<CohortDefinition>(CohortSchema, input.cohorts, ['(cohorts)']);
  const clusterings = list<ClusteringDefinition>(ClusteringSchema, input.clusterings, [
    '(clusterings)',
  ]);
  const content = list<ContentItem>(ContentItemSchema, input.content, ['(content)']);
  const placements = list<PlacementDefinition>(PlacementSchema, input.placements, ['(placements)']);
  const flows = list<FlowDefinition>(FlowSchema, input.flows, ['(flows)']);
  const flags = list<FlagDefinition>(FlagSchema, input.flags, ['(flags)']);
  const experiments = list<ExperimentDefinition>(ExperimentSchema, input.experiments, [
    '(experiments)',
  ]);
  const settings = normalizeObject<RuleSettings>(
    RuleSettingsSchema,
    input.settings,
    '(settings)',
    issues,
  );
  const contentSettings = normalizeObject<ContentSettings>(
    ContentSettingsSchema,
    input.contentSettings,
    '(contentSettings)',
    issues,
  );
  if (issues.length > 0) throw new RuleConfigError(dedupeIssues(issues));
  const set = compileRuleSet(rules, {
    profiles,
    settings,
    version,
    audiences: { segments, cohorts, clusterings },
    decide: { content, placements, flows, contentSettings },
    flags,
    experiments,
  });
  return {
    rules,
    settings,
    segments,
    cohorts,
    clusterings,
    content,
    placements,
    flows,
    contentSettings,
    flags,
    experiments,
    set,
  };
}

/** Fills each item's defaults and collects its schema errors under `root`. */
function normalizeList<T>(
  schema: TSchema,
  items: readonly unknown[],
  root: string[],
  issues: RuleIssue[],
): T[] {
  if (!Array.isArray(items)) {
    issues.push({ path: root.length === 0 ? [] : root, message: 'must be a list' });
    return [];
  }
  return items.map((item, index) => {
    const filled: unknown = Value.Default(schema, structuredClone(item));
    for (const error of Value.Errors(schema, filled)) {
      issues.push({ path: [...root, index, ...pointerPath(error.path)], message: error.message });
    }
    return filled as T;
  });
}

/** Fills an object's defaults (absent: all defaults) and collects its schema errors under `root`. */
function normalizeObject<T>(schema: TSchema, value: unknown, root: string, issues: RuleIssue[]): T {
  const filled: unknown = Value.Default(schema, structuredClone(value ?? {}));
  for (const error of Value.Errors(schema, filled)) {
    issues.push({ path: [root, ...pointerPath(error.path)], message: error.message });
  }
  return filled as T;
}

function pointerPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** TypeBox reports a failed union once per branch; keep the first message per field. */
function dedupeIssues(issues: RuleIssue[]): RuleIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = issue.path.join('.');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
