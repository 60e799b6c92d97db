/**
 * Compiles one checked experiment: variants (ids, weights summing to 100 % into bucket
 * bounds, the control), metrics (fields by type, event filters, windows), targeting
 * conditions (added to the version's condition compiler) and the FNV states of its
 * hashes. References to other parts of the version are checked later
 * (check-experiment-references.ts). Problems are RuleIssues under
 * '(experiments)', index, field.
 */
import type { CompiledCondition } from '../conditions/condition.js';
import type { ConditionCompiler } from '../conditions/condition-compiler.js';
import { fnv1a32 } from '../flags/flag-bucket.js';
import { isUnsafeKey } from '../json/json.js';
import { conditionIssues } from '../rules/compile-trigger.js';
import type { RuleIssue } from '../rules/rule.js';
import { parseDuration } from '../time/duration.js';
import { banditWeight, compileBanditExperiment } from './compile-bandit-experiment.js';
import type { CompiledExperiment, CompiledMetric, CompiledVariant } from './experiment.js';
import type { ExperimentDefinition, ExperimentMetricDefinition } from './experiment-schema.js';

type Path = (string | number)[];

/** Percent (steps of 0.01) → buckets of 10 000. */
const toBuckets = (percent: number): number => Math.round(percent * 100);

export function compileExperiment(
  definition: ExperimentDefinition,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledExperiment | undefined {
  const before = issues.length;
  const variants = compileVariants(definition, path, issues);
  const metrics = compileMetrics(definition.metrics, [...path, 'metrics'], compiler, issues);
  const bandit = compileBanditExperiment(definition, path, compiler, issues);
  if (bandit !== undefined) metrics.push(bandit.reward);
  const when =
    definition.when === undefined
      ? undefined
      : addCondition(definition.when, [...path, 'when'], compiler, issues);
  const segment =
    definition.segment === undefined
      ? undefined
      : addCondition({ segments: definition.segment }, [...path, 'segment'], compiler, issues);
  const layer = definition.layer;
  if (layer !== undefined && !(layer.from < layer.to)) {
    issues.push({ path: [...path, 'layer', 'to'], message: 'must be greater than `from`' });
  }
  const controlId = definition.control ?? definition.variants[0]?.id;
  const control = variants.find((variant) => variant.id === controlId);
  if (control === undefined) {
    issues.push({ path: [...path, 'control'], message: `unknown variant "${String(controlId)}"` });
  }
  if (issues.length > before || control === undefined) return undefined;
  const salt = definition.salt ?? definition.id;
  const byEvent = new Map<string, CompiledMetric[]>();
  for (const metric of metrics) {
    if (metric.event === undefined) continue;
    const list = byEvent.get(metric.event) ?? [];
    list.push(metric);
    byEvent.set(metric.event, list);
  }
  return Object.freeze({
    id: definition.id,
    status: definition.status,
    definition,
    variantState: fnv1a32(salt),
    trafficState: fnv1a32(`${salt}:traffic`),
    holdoutState: fnv1a32(`${salt}:holdout`),
    trafficBuckets: toBuckets(definition.traffic),
    holdoutBuckets: toBuckets(definition.holdout),
    ...(layer !== undefined && {
      layer: Object.freeze({
        id: layer.id,
        state: fnv1a32(`layer:${layer.id}`),
        from: toBuckets(layer.from),
        to: toBuckets(layer.to),
      }),
    }),
    ...(when !== undefined && { when }),
    ...(segment !== undefined && { segment }),
    variants: Object.freeze(variants),
    variantById: new Map(variants.map((variant) => [variant.id, variant])),
    control,
    ...(definition.placement !== undefined && { placement: definition.placement }),
    metrics: Object.freeze(metrics),
    metricsByEvent: byEvent,
    stepMetrics: Object.freeze(metrics.filter((metric) => metric.type === 'step')),
    analysis: Object.freeze({ ...definition.analysis }),
    ...(bandit !== undefined && { bandit }),
  });
}

function compileVariants(
  definition: ExperimentDefinition,
  path: Path,
  issues: RuleIssue[],
): CompiledVariant[] {
  const ids = new Map<string, number>();
  const variants: CompiledVariant[] = [];
  let until = 0;
  let total = 0;
  definition.variants.forEach((variant, index) => {
    const at = [...path, 'variants', index];
    if (isUnsafeKey(variant.id)) {
      issues.push({ path: [...at, 'id'], message: `"${variant.id}" is not allowed as an id` });
    } else if (ids.has(variant.id)) {
      const other = ids.get(variant.id) as number;
      issues.push({
        path: [...at, 'id'],
        message: `duplicate variant id "${variant.id}" (also variant ${other})`,
      });
    }
    ids.set(variant.id, index);
    // A bandit's variants have no weight (compile-bandit-experiment.ts): equal shares.
    const weight =
      variant.weight ??
      (definition.kind === 'bandit' ? banditWeight(definition.variants.length, index) : 0);
    if (variant.weight === undefined && definition.kind !== 'bandit') {
      issues.push({ path: [...at, 'weight'], message: 'an A/B variant needs `weight`' });
    }
    total += weight;
    until += toBuckets(weight);
    variants.push(
      Object.freeze({
        id: variant.id,
        weight,
        until,
        ...(variant.content !== undefined && { content: Object.freeze({ ...variant.content }) }),
        ...(variant.flag !== undefined && { flag: Object.freeze({ ...variant.flag }) }),
        ...(variant.flow !== undefined && { flow: Object.freeze({ ...variant.flow }) }),
      }),
    );
  });
  if (until !== 10_000) {
    issues.push({
      path: [...path, 'variants'],
      message: `weights must sum to 100 (they sum to ${Math.round(total * 100) / 100})`,
    });
  }
  return variants;
}

function compileMetrics(
  definitions: readonly ExperimentMetricDefinition[],
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledMetric[] {
  const ids = new Map<string, number>();
  const metrics: CompiledMetric[] = [];
  definitions.forEach((definition, index) => {
    const at = [...path, index];
    const before = issues.length;
    if (isUnsafeKey(definition.id)) {
      issues.push({ path: [...at, 'id'], message: `"${definition.id}" is not allowed as an id` });
    } else if (ids.has(definition.id)) {
      const other = ids.get(definition.id) as number;
      issues.push({
        path: [...at, 'id'],
        message: `duplicate metric id "${definition.id}" (also metric ${other})`,
      });
    }
    ids.set(definition.id, index);
    const metric = compileMetric(definition, at, compiler, issues);
    if (metric !== undefined && issues.length === before) metrics.push(metric);
  });
  return metrics;
}

/** Which fields each metric type needs, and which it must not have. */
const fieldsOf = {
  conversion: { needs: ['event'], refuses: ['property', 'flow', 'step'] },
  count: { needs: ['event'], refuses: ['property', 'flow', 'step'] },
  value: { needs: ['event', 'property'], refuses: ['flow', 'step'] },
  step: { needs: ['flow', 'step'], refuses: ['event', 'where', 'property'] },
} as const;

function compileMetric(
  definition: ExperimentMetricDefinition,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledMetric | undefined {
  const { type } = definition;
  const before = issues.length;
  for (const field of fieldsOf[type].needs) {
    if (definition[field] === undefined) {
      issues.push({ path: [...path, field], message: `a ${type} metric needs \`${field}\`` });
    }
  }
  for (const field of fieldsOf[type].refuses) {
    if (definition[field] !== undefined) {
      issues.push({ path: [...path, field], message: `a ${type} metric has no \`${field}\`` });
    }
  }
  let where: CompiledMetric['where'];
  if (definition.where !== undefined) {
    try {
      where = compiler.addEventFilter(definition.where).matches;
    } catch (error) {
      issues.push(...conditionIssues(error, [...path, 'where']));
    }
  }
  const withinMs = definition.within === undefined ? Infinity : parseDuration(definition.within);
  if (withinMs === undefined) {
    issues.push({ path: [...path, 'within'], message: 'must be a duration such as "7d"' });
  }
  const property =
    definition.property === undefined ? undefined : propertyPath(definition.property);
  if (typeof property === 'string') issues.push({ path: [...path, 'property'], message: property });
  if (issues.length > before) return undefined;
  return Object.freeze({
    id: definition.id,
    type,
    ...(definition.event !== undefined && { event: definition.event }),
    ...(where !== undefined && { where }),
    ...(property !== undefined && { property: property as readonly string[] }),
    ...(definition.flow !== undefined && { flow: definition.flow }),
    ...(definition.step !== undefined && { step: definition.step }),
    withinMs: withinMs as number,
    role: definition.role,
    higherIsBetter: definition.higherIsBetter,
    ...(definition.minimumDetectableEffect !== undefined && {
      minimumDetectableEffect: definition.minimumDetectableEffect,
    }),
  });
}

const eventRecords = new Set(['properties', 'context', 'traits']);

/** `revenue` → properties.revenue; `properties.x`, `context.x`, `traits.x` as written. */
function propertyPath(text: string): readonly string[] | string {
  const segments = text.split('.');
  if (segments.some((segment) => segment === '' || isUnsafeKey(segment))) {
    return `"${text}" is not a property path`;
  }
  if (eventRecords.has(segments[0] as string)) {
    return segments.length > 1 ? Object.freeze(segments) : `"${text}" names no property`;
  }
  return Object.freeze(['properties', ...segments]);
}

function addCondition(
  document: unknown,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledCondition | undefined {
  try {
    // No event scope: `event.*` is an unknown path (assignment happens without an event).
    return compiler.add(document, { context: true });
  } catch (error) {
    issues.push(...conditionIssues(error, path));
  }
  return undefined;
}
