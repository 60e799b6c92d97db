/** Checks the structure and settings of an ExperimentInput (see analysis-input.ts). */
import type { ExperimentInput, AnalysisInputIssue, ResolvedOptions } from './analysis-input.js';
import { DEFAULT_OPTIONS } from './analysis-input.js';

type Check = (value: unknown) => string | null;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const openUnit: Check = (v) =>
  typeof v === 'number' && v > 0 && v < 1 ? null : 'must be a number between 0 and 1 (exclusive)';
const positive: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a positive number';
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? null : `must be one of ${allowed.join(', ')}`;
const text: Check = (v) =>
  typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string';
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const weight: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : 'must be a number ≥ 0';
const anything: Check = () => null;
const list: Check = (v) => (Array.isArray(v) ? null : 'must be an array');

const optionChecks: Record<keyof ResolvedOptions, Check> = {
  alpha: openUnit,
  power: openUnit,
  minimumDetectableEffect: positive,
  mode: oneOf('fixed-horizon', 'sequential'),
  plannedUsers: positive,
  correction: oneOf('none', 'bonferroni', 'holm'),
  srmThreshold: openUnit,
};

/** Checks `value`'s fields: required ones present, no unknown ones, each passing its check. */
function checkFields(
  value: unknown,
  path: string,
  checks: Record<string, Check>,
  required: readonly string[],
  issues: AnalysisInputIssue[],
): value is Record<string, unknown> {
  if (!isRecord(value)) {
    issues.push({ path, message: 'must be an object' });
    return false;
  }
  const prefix = path === '' ? '' : `${path}.`;
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(checks, key)) issues.push({ path: prefix + key, message: 'unknown field' });
  }
  for (const [key, check] of Object.entries(checks)) {
    const field = Object.hasOwn(value, key) ? value[key] : undefined;
    if (field === undefined) {
      if (required.includes(key)) issues.push({ path: prefix + key, message: 'is required' });
      continue;
    }
    const message = check(field);
    if (message) issues.push({ path: prefix + key, message });
  }
  return true;
}

function checkVariants(variants: unknown[], issues: AnalysisInputIssue[]): void {
  const seen = new Set<string>();
  for (const [i, variant] of variants.entries()) {
    const path = `variants.${i}`;
    const checks = { id: text, weight, users: anything };
    if (!checkFields(variant, path, checks, ['id', 'weight', 'users'], issues)) continue;
    if (typeof variant.id === 'string' && seen.has(variant.id)) {
      issues.push({ path: `${path}.id`, message: `duplicate variant id "${variant.id}"` });
    }
    if (typeof variant.id === 'string') seen.add(variant.id);
  }
  if (variants.length === 0) issues.push({ path: 'variants', message: 'must not be empty' });
  const total = variants.reduce<number>(
    (s, v) => s + (isRecord(v) && typeof v.weight === 'number' ? v.weight : 0),
    0,
  );
  if (variants.length > 0 && !(total > 0)) {
    issues.push({ path: 'variants', message: 'the weights must not all be 0' });
  }
}

function checkMetrics(
  metrics: unknown[],
  variantCount: number,
  issues: AnalysisInputIssue[],
): void {
  const checks = {
    id: text,
    type: oneOf('proportion', 'continuous'),
    role: oneOf('primary', 'secondary', 'guardrail'),
    higherIsBetter: bool,
    minimumDetectableEffect: positive,
    data: list,
  };
  for (const [i, metric] of metrics.entries()) {
    const path = `metrics.${i}`;
    if (!checkFields(metric, path, checks, ['id', 'type', 'data'], issues)) continue;
    if (Array.isArray(metric.data) && metric.data.length !== variantCount) {
      issues.push({
        path: `${path}.data`,
        message: `must have one aggregate per variant (${variantCount})`,
      });
    }
  }
}

export type ValidatedInput =
  | { ok: true; input: ExperimentInput; options: ResolvedOptions }
  | { ok: false; issues: AnalysisInputIssue[] };

export function validateAnalysisInput(value: unknown): ValidatedInput {
  const issues: AnalysisInputIssue[] = [];
  const checks = { variants: list, controlId: text, metrics: list, options: anything };
  if (!checkFields(value, '', checks, ['variants', 'metrics'], issues))
    return { ok: false, issues };
  if (value.options !== undefined) {
    checkFields(value.options, 'options', optionChecks, [], issues);
  }
  const variants = Array.isArray(value.variants) ? value.variants : [];
  checkVariants(variants, issues);
  if (Array.isArray(value.metrics)) checkMetrics(value.metrics, variants.length, issues);
  if (
    typeof value.controlId === 'string' &&
    !variants.some((v) => isRecord(v) && v.id === value.controlId)
  ) {
    issues.push({ path: 'controlId', message: 'must be the id of a variant' });
  }
  if (issues.length > 0) return { ok: false, issues };
  const input = value as unknown as ExperimentInput;
  const options: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const [key, option] of Object.entries(input.options ?? {})) {
    if (option !== undefined) options[key] = option;
  }
  return { ok: true, input, options: options as ResolvedOptions };
}
