import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { Type, type Static } from '@sinclair/typebox';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { WorkspaceSettingsSchema, compileTrackingPlan, type WorkspaceSettings } from '@onramp/core';

/** The workspace config file: who the workspace is, and its settings. */
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

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validateConfig = ajv.compile<ConfigFile>(ConfigFileSchema);

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
  if (!validateConfig(data)) {
    const errors = collapseAlternatives(validateConfig.errors ?? []);
    throw new ConfigError(
      errors.map((error) => issueOf(error, document.contents, lineCounter, file)),
    );
  }
  // JSON Schemas of the tracking plan must compile too: check each, so the error names the event.
  const schemaIssues: ConfigIssue[] = [];
  for (const [name, schema] of Object.entries(data.trackingPlan.events)) {
    try {
      compileTrackingPlan({ ...data.trackingPlan, events: { [name]: schema } });
    } catch (error) {
      const path = ['trackingPlan', 'events', name];
      const { line, column } = locate(document.contents, path, lineCounter);
      const message = `is not a valid JSON Schema (${(error as Error).message.replace(/^.*invalid JSON Schema: /, '')})`;
      schemaIssues.push({ file, line, column, field: path.join('.'), message });
    }
  }
  if (schemaIssues.length > 0) throw new ConfigError(schemaIssues);
  return data;
}

/**
 * Ajv reports a failed union (`anyOf` of literals) as one error per literal plus the
 * anyOf itself; users want one line: "must be one of: off, flag, reject".
 */
function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors.flatMap((error) => {
    if (!unions.has(error.instancePath)) return [error];
    if (error.keyword !== 'anyOf') return [];
    const allowed = errors
      .filter((e) => e.instancePath === error.instancePath && e.keyword === 'const')
      .map((e) => String((e.params as { allowedValue?: unknown }).allowedValue));
    const message =
      allowed.length > 0
        ? `must be one of: ${allowed.join(', ')}`
        : (error.message ?? 'is invalid');
    return [{ ...error, message }];
  });
}

/** Splits a config into the workspace identity and its engine settings. */
export function settingsOf(config: ConfigFile): WorkspaceSettings {
  const { ingest, trackingPlan, consent, profiles } = config;
  return { ingest, trackingPlan, consent, profiles };
}

/** The settings with every default filled, for workspaces without a config file. */
export function defaultConfig(): ConfigFile {
  return parseConfig('{}', '(defaults)');
}

function issueOf(
  error: ErrorObject,
  root: Node | null,
  lineCounter: LineCounter,
  file: string,
): ConfigIssue {
  const path = error.instancePath.split('/').slice(1).map(decodePointer);
  let field = path.join('.');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    path.push(extra);
    field = path.join('.');
    message = 'is not a known field';
  } else if (
    error.keyword === 'pattern' &&
    String(error.params.pattern).includes('(ms|s|m|h|d|w)')
  ) {
    message = 'must be a positive duration such as "500ms", "30s", "30m", "24h", "7d", "2w"';
  } else if (error.keyword === 'required') {
    field = [...path, String(error.params.missingProperty)].join('.');
    message = 'is required';
  }
  const { line, column } = locate(root, path, lineCounter);
  return { file, line, column, field: field === '' ? '(root)' : field, message };
}

/** The line of the deepest YAML node on the path (a key's line for unknown keys). */
function locate(
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

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
