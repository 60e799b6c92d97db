/**
 * `onramp rules dry-run` and `onramp rules simulate`: clients of the rules admin
 * API that print a readable tree (or the raw JSON with --json).
 */
import type { ExplainNode, RuleExplanation } from '@onramp/core';
import { loadConfigFile, rulesOf } from '../config/config-file.js';
import type { DryRunResult, SimulationReport } from '../engine/engine.js';

/** A mistake on the command line: printed as one line, exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface RulesCommandOptions {
  url: string;
  adminKey: string | undefined;
  user?: string;
  anonymous?: string;
  profile?: string;
  event?: string;
  rules?: string;
  now?: string;
  from?: string;
  to?: string;
  sample?: string;
  json?: boolean;
}

export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const rulesUsage = `  onramp rules dry-run (--user ID | --anonymous ID | --profile ID) [--event JSON]
                       [--rules FILE] [--now ISO] [--url URL] [--admin-key KEY] [--json]
                            which rules would fire for a profile (and an event), and why
  onramp rules simulate --from ISO --to ISO --rules FILE [--sample N]
                       [--url URL] [--admin-key KEY] [--json]
                            replay a period of events against the rules of FILE`;

/** Runs a `rules` subcommand; resolves to the exit code. */
export async function runRulesCommand(
  subcommand: string | undefined,
  options: RulesCommandOptions,
  out: CommandOutput,
): Promise<number> {
  if (subcommand !== 'dry-run' && subcommand !== 'simulate') {
    throw new UsageError(`Usage:\n${rulesUsage}`);
  }
  if (options.adminKey === undefined) {
    throw new UsageError('No admin key: pass --admin-key or set ONRAMP_ADMIN_KEY.');
  }
  const draft = options.rules === undefined ? undefined : rulesOf(loadConfigFile(options.rules));
  const body = subcommand === 'dry-run' ? dryRunBody(options, draft) : simulateBody(options, draft);
  const reply = await post(options, `/admin/v1/rules/${subcommand}`, body);
  if (!reply.ok) {
    out.stderr(errorText(reply.status, reply.body));
    return 1;
  }
  if (options.json === true) out.stdout(`${JSON.stringify(reply.body, null, 2)}\n`);
  else if (subcommand === 'dry-run') out.stdout(formatDryRun(reply.body as DryRunResult));
  else out.stdout(formatSimulation(reply.body as SimulationReport, body));
  return 0;
}

type Draft = ReturnType<typeof rulesOf>;

function dryRunBody(
  options: RulesCommandOptions,
  draft: Draft | undefined,
): Record<string, unknown> {
  const selectors = [
    ['userId', options.user],
    ['anonymousId', options.anonymous],
    ['profileId', options.profile],
  ].filter(([, value]) => value !== undefined);
  if (selectors.length !== 1) {
    throw new UsageError('Give exactly one of --user, --anonymous or --profile.');
  }
  return {
    ...Object.fromEntries(selectors),
    ...(options.event === undefined ? {} : { event: parseEvent(options.event) }),
    ...(draft === undefined ? {} : draft),
    ...(options.now === undefined ? {} : { now: isoOf(options.now, '--now') }),
  };
}

function simulateBody(
  options: RulesCommandOptions,
  draft: Draft | undefined,
): Record<string, unknown> {
  if (options.from === undefined || options.to === undefined || draft === undefined) {
    throw new UsageError('simulate needs --from ISO, --to ISO and --rules FILE.');
  }
  const sample = options.sample === undefined ? undefined : Number(options.sample);
  if (sample !== undefined && !(Number.isInteger(sample) && sample >= 0 && sample <= 100)) {
    throw new UsageError('--sample must be an integer from 0 to 100.');
  }
  return {
    from: isoOf(options.from, '--from'),
    to: isoOf(options.to, '--to'),
    ...draft,
    ...(sample === undefined ? {} : { sample }),
  };
}

function parseEvent(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--event is not valid JSON: ${(error as Error).message}`);
  }
}

function isoOf(text: string, flag: string): string {
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new UsageError(`${flag} must be a date, e.g. 2026-01-31T09:00:00Z.`);
  return new Date(time).toISOString();
}

async function post(
  options: RulesCommandOptions,
  path: string,
  body: unknown,
): Promise<{ ok: boolean; status: number; body: unknown }> {
  const url = `${options.url.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.adminKey ?? ''}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new UsageError(`Cannot reach ${options.url}: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: shown as is.
  }
  return { ok: response.ok, status: response.status, body: parsed };
}

function errorText(status: number, body: unknown): string {
  const { code, message, errors } = (body ?? {}) as {
    code?: string;
    message?: string;
    errors?: { field: string; message: string }[];
  };
  const lines = [`${status} ${code ?? ''} ${message ?? JSON.stringify(body)}`.replace(/ +/g, ' ')];
  for (const error of errors ?? []) lines.push(`  ${error.field}: ${error.message}`);
  return `${lines.join('\n')}\n`;
}

/** The dry run as a tree: one block per rule, each condition node with its value. */
export function formatDryRun(result: DryRunResult): string {
  const who =
    result.profileId === undefined ? 'the profile document' : `profile ${result.profileId}`;
  const version = result.version === 0 ? 'draft rules' : `rules version ${result.version}`;
  const lines = [`Dry run of ${version} for ${who}`, ''];
  if (result.rules.length === 0) lines.push('  (no rules)');
  for (const rule of result.rules) lines.push(...formatExplanation(rule), '');
  const firing = result.rules.filter((rule) => rule.fires).map((rule) => rule.ruleId);
  lines.push(firing.length === 0 ? 'No rule would fire.' : `Would fire: ${firing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function formatExplanation(rule: RuleExplanation): string[] {
  const verdict = rule.fires
    ? 'FIRES'
    : !rule.triggered
      ? 'not triggered'
      : rule.suppressedBy !== undefined
        ? `suppressed by ${rule.suppressedBy}`
        : 'condition is false';
  const lines = [`${mark(rule.fires)} ${rule.ruleId}: ${verdict}`];
  if (rule.trigger !== undefined) lines.push('    trigger', ...formatNode(rule.trigger, 3));
  if (rule.condition !== undefined) lines.push('    condition', ...formatNode(rule.condition, 3));
  for (const action of rule.actions) lines.push(`    action ${summarize(action)}`);
  return lines;
}

function formatNode(node: ExplainNode, depth: number): string[] {
  // Timer nodes hold times (ms since the epoch): shown as ISO 8601.
  const show = (value: unknown) =>
    node.label.endsWith('timer') && typeof value === 'number'
      ? new Date(value).toISOString()
      : JSON.stringify(value);
  const expected = node.expected === undefined ? '' : ` ${show(node.expected)}`;
  const actual = node.actual === undefined ? '' : `   (actual: ${show(node.actual)})`;
  const line = `${'  '.repeat(depth)}${mark(node.result)} ${node.label}${expected}${actual}`;
  return [line, ...(node.children ?? []).flatMap((child) => formatNode(child, depth + 1))];
}

function summarize(action: { type: string } & Record<string, unknown>): string {
  const { type, ...rest } = action;
  const fields = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return fields === '' ? type : `${type} ${fields}`;
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

/** The simulation as a table: per rule, draft and live firings, the difference, a sample. */
export function formatSimulation(
  report: SimulationReport,
  request: Record<string, unknown>,
): string {
  const live = new Map(report.live.map((rule) => [rule.ruleId, rule]));
  const draft = new Map(report.draft.map((rule) => [rule.ruleId, rule]));
  const rows = report.diff.map(({ ruleId, draft: drafted, live: lived, delta }) => [
    ruleId,
    String(drafted),
    String(lived),
    delta > 0 ? `+${delta}` : String(delta),
    String(draft.get(ruleId)?.profiles ?? live.get(ruleId)?.profiles ?? 0),
    (draft.get(ruleId)?.sample ?? []).join(', '),
  ]);
  const header = ['rule', 'draft', 'live', 'delta', 'profiles', 'sample'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, i) =>
        i >= 1 && i <= 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return `${[
    `Simulated ${report.events} events of ${report.profiles} profiles, ${String(request.from)} to ${String(request.to)}`,
    `draft rules against live version ${report.liveVersion}${report.truncated ? ' (TRUNCATED: the event limit was reached)' : ''}`,
    '',
    format(header),
    ...rows.map(format),
  ].join('\n')}\n`;
}
