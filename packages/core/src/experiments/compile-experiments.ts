/**
 * Compiles a config version's experiments: each checked (compile-experiment.ts), ids
 * unique, layer ranges disjoint, its conditions added to the version's condition
 * compiler (one profile plan with the rules, segments and flags); then, once the
 * compiler is finished, references checked against the version (placements, content,
 * flags, flows, segments) and the set indexed. Problems are RuleIssues under
 * '(experiments)', index, field.
 */
import { Value } from '@sinclair/typebox/value';
import { ConditionCompiler } from '../conditions/condition-compiler.js';
import { isJsonObject, isUnsafeKey } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import { conditionIssues } from '../rules/compile-trigger.js';
import { RuleConfigError, type RuleIssue } from '../rules/rule.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import {
  checkExperimentReferences,
  type ExperimentReferences,
} from './check-experiment-references.js';
import { compileExperiment } from './compile-experiment.js';
import {
  emptyExperimentSet,
  type CompiledExperiment,
  type CompiledExperimentSet,
} from './experiment.js';
import { ExperimentSchema, type ExperimentDefinition } from './experiment-schema.js';

export type { ExperimentReferences };

/** Call once the condition compiler is finished, with what the version holds besides. */
export type ExperimentBinder = (references: ExperimentReferences) => CompiledExperimentSet;

/** Checks the experiments and adds their conditions to `compiler`; bind after compiler.finish(). */
export function addExperiments(
  definitions: readonly ExperimentDefinition[],
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): ExperimentBinder {
  if (!Array.isArray(definitions)) {
    issues.push({ path: ['(experiments)'], message: 'must be a list of experiments' });
    return () => emptyExperimentSet;
  }
  if (definitions.length === 0) return () => emptyExperimentSet;
  const ids = new Map<string, number>();
  const compiled: CompiledExperiment[] = [];
  definitions.forEach((definition: unknown, index) => {
    const path = ['(experiments)', index];
    if (!isJsonObject(definition)) {
      issues.push({ path, message: 'must be an experiment (an object)' });
      return;
    }
    const experiment = definition as unknown as ExperimentDefinition;
    const idOk = checkId(experiment.id, ids, index, issues);
    const result = compileExperiment(experiment, path, compiler, issues);
    if (idOk && result !== undefined) compiled.push(result);
  });
  checkLayers(definitions, issues);
  return (references) => {
    compiled.forEach((experiment) => {
      const index = ids.get(experiment.id) as number;
      checkExperimentReferences(experiment, ['(experiments)', index], references, issues);
    });
    if (issues.length > 0) return emptyExperimentSet;
    return indexExperiments(compiled);
  };
}

function indexExperiments(experiments: readonly CompiledExperiment[]): CompiledExperimentSet {
  const byPlacement = new Map<string, CompiledExperiment[]>();
  const byFlag = new Map<string, CompiledExperiment[]>();
  const byFlow = new Map<string, CompiledExperiment[]>();
  const add = (map: Map<string, CompiledExperiment[]>, key: string, e: CompiledExperiment) => {
    const list = map.get(key) ?? [];
    if (!list.includes(e)) list.push(e);
    map.set(key, list);
  };
  for (const experiment of experiments) {
    if (experiment.status === 'draft') continue;
    if (experiment.placement !== undefined) add(byPlacement, experiment.placement, experiment);
    for (const variant of experiment.variants) {
      if (variant.flag !== undefined) add(byFlag, variant.flag.key, experiment);
      if (variant.flow !== undefined) add(byFlow, variant.flow.id, experiment);
    }
  }
  return Object.freeze({
    experiments: Object.freeze([...experiments]),
    byId: new Map(experiments.map((experiment) => [experiment.id, experiment])),
    byPlacement,
    byFlag,
    byFlow,
  });
}

function checkId(id: unknown, ids: Map<string, number>, index: number, issues: RuleIssue[]) {
  const path = ['(experiments)', index, 'id'];
  if (typeof id !== 'string' || id === '') {
    issues.push({ path, message: 'missing experiment id' });
    return false;
  }
  if (isUnsafeKey(id)) {
    issues.push({ path, message: `"${id}" is not allowed as an experiment id` });
    return false;
  }
  const other = ids.get(id);
  if (other !== undefined) {
    issues.push({ path, message: `duplicate experiment id "${id}" (also experiment ${other})` });
    return false;
  }
  ids.set(id, index);
  return true;
}

/** Experiments of one layer must take disjoint ranges of its buckets: a user is in at most one. */
function checkLayers(definitions: readonly ExperimentDefinition[], issues: RuleIssue[]): void {
  const seen = new Map<string, { index: number; from: number; to: number }[]>();
  definitions.forEach((definition, index) => {
    const layer = isJsonObject(definition) ? definition.layer : undefined;
    if (layer === undefined || !(layer.from < layer.to)) return;
    const ranges = seen.get(layer.id) ?? [];
    for (const other of ranges) {
      if (layer.from < other.to && other.from < layer.to) {
        issues.push({
          path: ['(experiments)', index, 'layer'],
          message: `range [${layer.from}, ${layer.to}) of layer "${layer.id}" overlaps experiment ${other.index}'s [${other.from}, ${other.to})`,
        });
      }
    }
    ranges.push({ index, from: layer.from, to: layer.to });
    seen.set(layer.id, ranges);
  });
}

/** Fills schema defaults and reports schema errors under '(experiments)', index, field. */
export function normalizeExperiments(
  definitions: readonly unknown[],
  issues: RuleIssue[],
): ExperimentDefinition[] {
  if (!Array.isArray(definitions)) {
    issues.push({ path: ['(experiments)'], message: 'must be a list of experiments' });
    return [];
  }
  return definitions.map((definition, index) => {
    const filled: unknown = Value.Default(ExperimentSchema, structuredClone(definition));
    const seen = new Set<string>();
    for (const error of Value.Errors(ExperimentSchema, filled)) {
      const pointer = error.path.split('/').slice(1);
      const path = ['(experiments)', index, ...pointer.map(unescapePointer)];
      const id = path.join('.');
      if (seen.has(id)) continue;
      seen.add(id);
      issues.push({ path, message: error.message });
    }
    return filled as ExperimentDefinition;
  });
}

const unescapePointer = (segment: string): string =>
  segment.replace(/~1/g, '/').replace(/~0/g, '~');

export interface CompileExperimentsOptions extends ExperimentReferences {
  profiles?: ProfileSettings;
}

/**
 * Experiments on their own (tests, tools): schema defaults filled and checked, compiled
 * with their own condition compiler; references are checked only against what
 * `options` gives. Throws RuleConfigError naming every field at fault.
 */
export function compileExperiments(
  definitions: readonly unknown[],
  options: CompileExperimentsOptions = {},
): { experiments: CompiledExperimentSet; profilePlan: ProfilePlan } {
  const issues: RuleIssue[] = [];
  const filled = normalizeExperiments(definitions, issues);
  if (issues.length > 0) throw new RuleConfigError(issues);
  const profiles =
    options.profiles ?? (Value.Default(ProfileSettingsSchema, {}) as ProfileSettings);
  const compiler = new ConditionCompiler({ profiles });
  const bind = addExperiments(filled, compiler, issues);
  let profilePlan: ProfilePlan | undefined;
  try {
    ({ profilePlan } = compiler.finish());
  } catch (error) {
    issues.push(...conditionIssues(error, ['(experiments)']));
  }
  const experiments = bind(options);
  if (issues.length > 0 || profilePlan === undefined) throw new RuleConfigError(issues);
  return { experiments, profilePlan };
}
