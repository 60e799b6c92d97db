import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
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
  configPathOf,
  SegmentSchema,
  type ClusteringDefinition,
  type CohortDefinition,
  type ContentItem,
  type ContentSettings,
  type FlagDefinition,
  type ExperimentDefinition,
  type FlowDefinition,
  type PlacementDefinition,
  type SegmentDefinition,
  RuleSettingsSchema,
  WorkspaceSettingsSchema,
  compileRuleSet,
  compileTrackingPlan,
  type RuleDefinition,
  type RuleSettings,
  type WorkspaceSettings,
} from '@onramp/core';
import { createAjv, discriminated, schemaIssuesOf } from './schema-issues.js';

/** The workspace config file: who the workspace is, its settings, rules, segments and content. */
export const ConfigFileSchema = Type.Object(
  {
    workspace: Type.Object(
      {
        id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', default: 'demo' }),
        name: Type.String({ minLength: 1, maxLength: 200, default: 'Demo workspace' }),
      },
      { additionalProperties: false, default: {} },
    ),
    ...WorkspaceSettingsSchema.properties,
    /** The rules (docs/rules.md); published as a new config version when they change. */
    rules: Type.Array(RuleSchema, { default: [] }),
    ruleSettings: RuleSettingsSchema,
    /** Segments, cohorts and clustering jobs (docs/segments.md), published with the rules. */
    segments: Type.Array(SegmentSchema, { default: [] }),
    cohorts: Type.Array(CohortSchema, { default: [] }),
    clusterings: Type.Array(ClusteringSchema, { default: [] }),
    /** Content, placements, flows and content settings (docs/content.md), published with the rules. */
    content: Type.Array(ContentItemSchema, { default: [] }),
    placements: Type.Array(PlacementSchema, { default: [] }),
    flows: Type.Array(FlowSchema, { default: [] }),
    contentSettings: ContentSettingsSchema,
    /** Feature flags (docs/flags.md), published with the rules. */
    flags: Type.Array(FlagSchema, { default: [] }),
    /** Experiments (docs/experiments.md), published with the rules. */
    experiments: Type.Array(ExperimentSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;

export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

/** A config that failed validation; its message lists every issue as file:line:column field: message. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      issues
        .map(
          (issue) => `${issue.file}:${issue.line}:${issue.column} ${issue.field}: ${issue.message}`,
        )
        .join('\n'),
    );
    this.name = 'ConfigError';
  }
}

const validateConfig = createAjv().compile<ConfigFile>(discriminated(ConfigFileSchema));

/** Reads, parses and validates a YAML (or JSON) config file, filling defaults. */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { file: path, line: 0, column: 0, field: '(file)', message: (error as Error).message },
    ]);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, file: string): ConfigFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return {
          file,
          line: position.line,
          column: position.col,
          field: '(yaml)',
          message: error.message,
        };
      }),
    );
  }
  const data: unknown = document.toJS() ?? {};
  const at: IssueAt = (path, message) => {
    const { line, column } = locate(document.contents, path.map(String), lineCounter);
    const field = path.join('.');
    return { file, line, column, field: field === '' ? '(root)' : field, message };
  };
  if (!validateConfig(data)) {
    throw new ConfigError(
      schemaIssuesOf(validateConfig.errors ?? []).map((issue) => at(issue.path, issue.message)),
    );
  }
  checkTrackingPlan(data, at);
  checkRules(data, at);
  return data;
}

type IssueAt = (path: (string | number)[], message: string) => ConfigIssue;

/** JSON Schemas of the tracking plan must compile too: check each, so the error names the event. */
function checkTrackingPlan(config: ConfigFile, at: IssueAt): void {
  const issues: ConfigIssue[] = [];
  for (const [name, schema] of Object.entries(config.trackingPlan.events)) {
    try {
      compileTrackingPlan({ ...config.trackingPlan, events: { [name]: schema } });
    } catch (error) {
      const reason = (error as Error).message.replace(/^.*invalid JSON Schema: /, '');
      issues.push(at(['trackingPlan', 'events', name], `is not a valid JSON Schema (${reason})`));
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Rules, segments and content compile as they would be published: conditions, durations, references. */
function checkRules(config: ConfigFile, at: IssueAt): void {
  try {
    compileRuleSet(config.rules, {
      profiles: config.profiles,
      settings: config.ruleSettings,
      version: 0,
      audiences: {
        segments: config.segments,
        cohorts: config.cohorts,
        clusterings: config.clusterings,
      },
      decide: {
        content: config.content,
        placements: config.placements,
        flows: config.flows,
        contentSettings: config.contentSettings,
      },
      flags: config.flags,
      experiments: config.experiments,
    });
  } catch (error) {
    if (!(error instanceof RuleConfigError)) throw error;
    throw new ConfigError(error.issues.map((issue) => at(fileRulePath(issue.path), issue.message)));
  }
}

/** A compiler issue's path in the file: '(settings)' → ruleSettings, '(content)' → content… */
function fileRulePath(path: (string | number)[]): (string | number)[] {
  return configPathOf(path);
}

/** Splits a config into the workspace identity and its engine settings. */
export function settingsOf(config: ConfigFile): WorkspaceSettings {
  const { ingest, trackingPlan, consent, profiles } = config;
  return { ingest, trackingPlan, consent, profiles };
}

/** The rules of a config and the workspace rule settings, as a rules draft takes them. */
export function rulesOf(config: ConfigFile): { rules: RuleDefinition[]; settings: RuleSettings } {
  return { rules: config.rules, settings: config.ruleSettings };
}

/** What a config version holds, as the config file gives it (defaults filled). */
export interface ConfigBehaviour {
  rules: RuleDefinition[];
  settings: RuleSettings;
  segments: SegmentDefinition[];
  cohorts: CohortDefinition[];
  clusterings: ClusteringDefinition[];
  content: ContentItem[];
  placements: PlacementDefinition[];
  flows: FlowDefinition[];
  contentSettings: ContentSettings;
  flags: FlagDefinition[];
  experiments: ExperimentDefinition[];
}

/** Everything of a config that a config version holds: rules, settings, segments…, content… */
export function behaviourOf(config: ConfigFile): ConfigBehaviour {
  const { segments, cohorts, clusterings, content, placements, flows, contentSettings } = config;
  const { flags, experiments } = config;
  return {
    ...rulesOf(config),
    segments,
    cohorts,
    clusterings,
    content,
    placements,
    flows,
    contentSettings,
    flags,
    experiments,
  };
}

/** The content settings of a config without any: every default. */
const defaultContentSettings = canonicalJson(Value.Default(ContentSettingsSchema, {}));

/**
 * sha256 (hex) of the canonical JSON of what a config version holds, defaults filled:
 * unchanged by comments, key order or spelling out a default. Empty lists (segments,
 * cohorts, clusterings, content, placements, flows) and default content settings are
 * left out, so configs written before they existed keep their digest.
 */
export function digestRules(config: ConfigFile): string {
  const { rules, settings, contentSettings, ...lists } = behaviourOf(config);
  const nonEmpty = Object.entries(lists).filter(([, list]) => list.length > 0);
  return createHash('sha256')
    .update(
      canonicalJson({
        rules,
        ruleSettings: settings,
        ...Object.fromEntries(nonEmpty),
        ...(canonicalJson(contentSettings) !== defaultContentSettings && { contentSettings }),
      }),
    )
    .digest('hex');
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : inner,
  );
}

/** The settings with every default filled, for workspaces without a config file. */
export function defaultConfig(): ConfigFile {
  return parseConfig('{}', '(defaults)');
}

/** The line of the deepest YAML node on the path (a key's line for unknown keys). */
export function locate(
  root: Node | null,
  path: string[],
  lineCounter: LineCounter,
): { line: number; column: number } {
  let node: unknown = root;
  let offset = root?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => String((item.key as { value?: unknown } | null)?.value) === segment,
      );
      if (pair === undefined) break;
      const key = pair.key as Node | null;
      offset = key?.range?.[0] ?? offset;
      node = pair.value;
      continue;
    }
    if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item === undefined) break;
      offset = item.range?.[0] ?? offset;
      node = item;
      continue;
    }
    break;
  }
  const position = lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}
