/**
 * Compiles a config version's flows. Conditions (audiences, variants, step
 * `when`s, condition completions) go into the rules' condition compiler (one
 * profile plan, one memo for the whole version); event completions' `where`
 * become event filters. Problems are pushed as RuleIssues whose paths start with
 * '(flows)'. Content and placement ids are the caller's to check.
 */
import type { CompiledCondition, CompiledEventFilter } from '../conditions/condition.js';
import type { ConditionCompiler } from '../conditions/condition-compiler.js';
import { isJsonObject, isUnsafeKey } from '../json/json.js';
import { conditionIssues } from '../rules/compile-trigger.js';
import type { RuleIssue } from '../rules/rule.js';
import type { FlowDefinition } from './flow-schema.js';
import type {
  CompiledFlow,
  CompiledFlowVariant,
  CompiledStep,
  FlowSetRuntime,
  StepCompletion,
} from './flow.js';

type Path = (string | number)[];

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const completionKeys = new Set(['event', 'where', 'condition']);

/** The flows of a version without any. */
export const emptyFlowSet: FlowSetRuntime = Object.freeze({
  flows: Object.freeze([]),
  byId: new Map(),
  byEvent: new Map(),
  conditional: Object.freeze([]),
});

/**
 * Checks and compiles `flows`, adding their conditions to `compiler`. Call the
 * returned binder after `compiler.finish()`; it holds the flows without issues.
 * Every flow is `conditional`: until a profile starts it, its audience (none:
 * everyone) is checked on each of the person's events.
 */
export function addFlows(
  flows: readonly FlowDefinition[],
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): () => FlowSetRuntime {
  if (!Array.isArray(flows)) {
    issues.push({ path: ['(flows)'], message: 'must be a list of flows' });
    return () => emptyFlowSet;
  }
  const compiled: CompiledFlow[] = [];
  const seen = new Map<string, number>();
  flows.forEach((definition: unknown, index) => {
    const path = ['(flows)', index];
    const flow = compileFlow(definition, path, compiler, issues);
    const id = isJsonObject(definition) ? definition['id'] : undefined;
    if (typeof id !== 'string') return;
    const other = seen.get(id);
    if (other !== undefined) {
      issues.push({
        path: [...path, 'id'],
        message: `duplicate flow id "${id}" (also flow ${other})`,
      });
      return;
    }
    seen.set(id, index);
    if (flow !== undefined) compiled.push(flow);
  });
  return () => (compiled.length === 0 ? emptyFlowSet : buildFlowSet(compiled));
}

function buildFlowSet(flows: readonly CompiledFlow[]): FlowSetRuntime {
  const byEvent = new Map<string, CompiledFlow[]>();
  for (const flow of flows) {
    const names = new Set<string>();
    for (const step of flow.steps) {
      if (step.completion.type === 'event') names.add(step.completion.event);
    }
    for (const name of names) {
      let list = byEvent.get(name);
      if (list === undefined) byEvent.set(name, (list = []));
      list.push(flow);
    }
  }
  for (const list of byEvent.values()) Object.freeze(list);
  return Object.freeze({
    flows: Object.freeze([...flows]),
    byId: new Map(flows.map((flow) => [flow.id, flow])),
    byEvent,
    conditional: Object.freeze([...flows]),
  });
}

function compileFlow(
  definition: unknown,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledFlow | undefined {
  if (!isJsonObject(definition)) {
    issues.push({ path, message: 'must be a flow (an object)' });
    return undefined;
  }
  const before = issues.length;
  const id = checkId(definition['id'], [...path, 'id'], issues);
  const placement = optionalId(definition['placement'], [...path, 'placement'], issues);
  const audience = optionalCondition(
    definition['audience'],
    [...path, 'audience'],
    compiler,
    issues,
  );
  const stepIds = new Set<string>();
  const steps = compileSteps(definition['steps'], path, placement, compiler, issues, stepIds);
  const stepsById = new Map(steps.map((step) => [step.id, step]));
  const variants = compileVariants(
    definition['variants'],
    path,
    stepIds,
    stepsById,
    compiler,
    issues,
  );
  if (issues.length > before || id === undefined) return undefined;
  return Object.freeze({
    id,
    definition: definition as unknown as FlowDefinition,
    ...(audience !== undefined && { audience }),
    ...(placement !== undefined && { placement }),
    steps: Object.freeze(steps),
    stepsById,
    variants: Object.freeze(variants),
  });
}

function compileSteps(
  value: unknown,
  flowPath: Path,
  placement: string | undefined,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
  stepIds: Set<string>,
): CompiledStep[] {
  const path = [...flowPath, 'steps'];
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) {
    issues.push({ path, message: 'must list 1 to 50 steps' });
    return [];
  }
  const steps: CompiledStep[] = [];
  value.forEach((definition: unknown, index) => {
    const at = [...path, index];
    const step = compileStep(definition, index, at, placement, compiler, issues);
    const id = isJsonObject(definition) ? definition['id'] : undefined;
    if (typeof id !== 'string') return;
    if (stepIds.has(id)) {
      issues.push({ path: [...at, 'id'], message: `duplicate step id "${id}"` });
      return;
    }
    stepIds.add(id);
    if (step !== undefined) steps.push(step);
  });
  return steps;
}

function compileStep(
  definition: unknown,
  index: number,
  path: Path,
  flowPlacement: string | undefined,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledStep | undefined {
  if (!isJsonObject(definition)) {
    issues.push({ path, message: 'must be a step (an object)' });
    return undefined;
  }
  const before = issues.length;
  const at = (key: string): Path => [...path, key];
  const id = checkId(definition['id'], at('id'), issues);
  const title = definition['title'];
  if (title !== undefined && (typeof title !== 'string' || title.length > 500)) {
    issues.push({ path: at('title'), message: 'must be a template of at most 500 characters' });
  }
  const content = optionalId(definition['content'], at('content'), issues);
  const placement = optionalId(definition['placement'], at('placement'), issues) ?? flowPlacement;
  const required = definition['required'] ?? true;
  if (typeof required !== 'boolean')
    issues.push({ path: at('required'), message: 'must be true or false' });
  const priority = definition['priority'] ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || Math.abs(priority) > 1000) {
    issues.push({ path: at('priority'), message: 'must be an integer from -1000 to 1000' });
  }
  const completion = compileCompletion(
    definition['completion'],
    at('completion'),
    compiler,
    issues,
  );
  const when = optionalCondition(definition['when'], at('when'), compiler, issues);
  if (issues.length > before || id === undefined || completion === undefined) return undefined;
  return Object.freeze({
    id,
    index,
    required: required as boolean,
    priority: priority as number,
    ...(typeof title === 'string' && { title }),
    ...(content !== undefined && { content }),
    ...(placement !== undefined && { placement }),
    completion,
    ...(when !== undefined && { when }),
  });
}

function compileCompletion(
  value: unknown,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): StepCompletion | undefined {
  const shape = 'must be { event, where? } or { condition }';
  if (!isJsonObject(value)) {
    issues.push({ path, message: shape });
    return undefined;
  }
  const unknown = Object.keys(value).filter((key) => !completionKeys.has(key));
  if (unknown.length > 0) {
    issues.push({ path, message: `unknown field "${unknown[0]}": ${shape}` });
    return undefined;
  }
  const { event, where, condition } = value;
  if (
    (event === undefined) === (condition === undefined) ||
    (where !== undefined && event === undefined)
  ) {
    issues.push({ path, message: shape });
    return undefined;
  }
  if (condition !== undefined) {
    const compiled = optionalCondition(condition, [...path, 'condition'], compiler, issues);
    return compiled === undefined ? undefined : { type: 'condition', condition: compiled };
  }
  if (typeof event !== 'string' || event.length === 0 || event.length > 200) {
    issues.push({
      path: [...path, 'event'],
      message: 'must be an event name (1 to 200 characters)',
    });
    return undefined;
  }
  if (where === undefined) return { type: 'event', event };
  let filter: CompiledEventFilter;
  try {
    filter = compiler.addEventFilter(where);
  } catch (error) {
    issues.push(...conditionIssues(error, [...path, 'where']));
    return undefined;
  }
  return { type: 'event', event, where: filter };
}

function compileVariants(
  value: unknown,
  flowPath: Path,
  stepIds: ReadonlySet<string>,
  stepsById: ReadonlyMap<string, CompiledStep>,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledFlowVariant[] {
  if (value === undefined) return [];
  const path = [...flowPath, 'variants'];
  if (!Array.isArray(value) || value.length > 20) {
    issues.push({ path, message: 'must be a list of at most 20 variants' });
    return [];
  }
  const variants: CompiledFlowVariant[] = [];
  const seen = new Set<string>();
  value.forEach((definition: unknown, index) => {
    const at = [...path, index];
    if (!isJsonObject(definition)) {
      issues.push({ path: at, message: 'must be a variant (an object)' });
      return;
    }
    const before = issues.length;
    const id = checkId(definition['id'], [...at, 'id'], issues);
    if (id !== undefined && seen.has(id)) {
      issues.push({ path: [...at, 'id'], message: `duplicate variant id "${id}"` });
    }
    if (id !== undefined) seen.add(id);
    const when = optionalCondition(definition['when'], [...at, 'when'], compiler, issues);
    if (when === undefined && definition['when'] === undefined) {
      issues.push({ path: [...at, 'when'], message: 'is required' });
    }
    const names = variantSteps(definition['steps'], [...at, 'steps'], stepIds, issues);
    if (issues.length > before || id === undefined || when === undefined) return;
    const steps = names.map((name) => stepsById.get(name)).filter((step) => step !== undefined);
    variants.push(Object.freeze({ id, when, steps: Object.freeze(steps) }));
  });
  return variants;
}

function variantSteps(
  value: unknown,
  path: Path,
  stepIds: ReadonlySet<string>,
  issues: RuleIssue[],
): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) {
    issues.push({ path, message: 'must list 1 to 50 step ids' });
    return [];
  }
  const names: string[] = [];
  value.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || !stepIds.has(name)) {
      issues.push({
        path: [...path, index],
        message: `unknown step ${JSON.stringify(name ?? null)} (a step id of this flow)`,
      });
    } else if (names.includes(name)) {
      issues.push({ path: [...path, index], message: `lists step "${name}" twice` });
    } else names.push(name);
  });
  return names;
}

/** A profile condition: no `event.*` (flows are not evaluated on one event), no `context.*`. */
function optionalCondition(
  document: unknown,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledCondition | undefined {
  if (document === undefined) return undefined;
  try {
    return compiler.add(document, {});
  } catch (error) {
    for (const issue of conditionIssues(error, path)) {
      issues.push(
        /^unknown path "(event|context)\./.test(issue.message)
          ? {
              ...issue,
              message: `${issue.message} (flow conditions read the profile; an event completion's "where" reads the event)`,
            }
          : issue,
      );
    }
    return undefined;
  }
}

function checkId(id: unknown, path: Path, issues: RuleIssue[]): string | undefined {
  if (typeof id === 'string' && idPattern.test(id) && !isUnsafeKey(id)) return id;
  issues.push({
    path,
    message: 'must be an id: letters, digits, "_", "-", "." (not "constructor" or "prototype")',
  });
  return undefined;
}

function optionalId(id: unknown, path: Path, issues: RuleIssue[]): string | undefined {
  return id === undefined ? undefined : checkId(id, path, issues);
}
