/**
 * Compiles a published rules config (one version) into an immutable, indexed
 * rule set: every condition compiled once, durations and times parsed, the
 * trigger index built. Any problem is reported, all at once, as a
 * RuleConfigError whose paths start at the rules array ([index, 'condition', …]);
 * problems in the rule settings start with '(settings)'.
 */
import type { CompiledCondition } from '../conditions/condition.js';
import { ConditionCompiler, createConditionMemo } from '../conditions/condition-compiler.js';
import { isJsonObject, isUnsafeKey } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import type { ProfileSettings } from '../settings/workspace-settings.js';
import { compileActions } from './apply-actions.js';
import { compileConstraints, parseOptionalDuration } from './constraints.js';
import { compileTrigger, conditionIssues } from './compile-trigger.js';
import { TimeZones, isTimeZone } from './local-time.js';
import { RuleConfigError, type CompiledRuleSet, type RuleIssue } from './rule.js';
import { buildRuleIndex } from './rule-index.js';
import {
  ruleSetBrand,
  type CompiledTrigger,
  type RuleRuntime,
  type RuleSetRuntime,
} from './rule-runtime.js';
import type { RuleDefinition, RuleSettings } from './rule-schema.js';
import { addSegments, type SegmentConfig } from '../segments/compile-segments.js';
import type { SegmentSetRuntime } from '../segments/segment-runtime.js';
import type { DecideConfig } from '../decide/decide-config.js';
import { addDecide, checkActionReferences, checkFlowActions } from '../decide/compile-decide.js';
import { addFlags } from '../flags/compile-flags.js';
import type { FlagDefinition } from '../flags/flag-schema.js';
import { addExperiments } from '../experiments/compile-experiments.js';
import type { ExperimentDefinition } from '../experiments/experiment-schema.js';

export interface CompileRuleSetOptions {
  profiles: ProfileSettings;
  settings: RuleSettings;
  version: number;
  /** The version's segments, cohorts and clusterings: compiled with the rules, one profile plan. */
  audiences?: SegmentConfig;
  /** The version's content, placements, flows and content settings (decide/decide-config.ts). */
  decide?: DecideConfig;
  /** The version's feature flags (flags/flag-schema.ts). */
  flags?: readonly FlagDefinition[];
  /** The version's experiments (experiments/experiment-schema.ts). */
  experiments?: readonly ExperimentDefinition[];
}

type Path = (string | number)[];
type Draft = Omit<RuleRuntime, 'rank'>;

export function compileRuleSet(
  definitions: readonly RuleDefinition[],
  options: CompileRuleSetOptions,
): CompiledRuleSet {
  const issues: RuleIssue[] = [];
  const { settings } = options;
  const fatigue = checkSettings(settings, issues);
  const frozen = freezeDefinitions(definitions, issues);
  const compiler = new ConditionCompiler({ profiles: options.profiles });
  const ids = new Map<string, number>();
  const drafts: Draft[] = [];
  frozen.forEach((definition, index) => {
    const draft = compileRule(definition, index, compiler, issues, ids);
    if (draft !== undefined) drafts.push(draft);
  });
  const bindAudiences = addSegments(options.audiences ?? {}, compiler, issues);
  const bindDecide = addDecide(options.decide ?? {}, compiler, issues);
  const bindFlags = addFlags(options.flags ?? [], compiler, issues);
  const bindExperiments = addExperiments(options.experiments ?? [], compiler, issues);
  checkFlowActions(frozen, options.decide ?? {}, issues);
  let profilePlan: ProfilePlan | undefined;
  let memoSize = 0;
  try {
    ({ profilePlan, memoSize } = compiler.finish());
  } catch (error) {
    issues.push(...conditionIssues(error, []));
  }
  const audiences = profilePlan === undefined ? undefined : bindAudiences(profilePlan);
  if (audiences !== undefined) checkSegmentTriggers(drafts, audiences, issues);
  const decide = profilePlan === undefined ? undefined : bindDecide();
  if (decide !== undefined) checkActionReferences(drafts, decide, issues);
  const flags = audiences === undefined ? undefined : bindFlags(audiences.memberships);
  const experiments =
    audiences === undefined || decide === undefined || flags === undefined
      ? undefined
      : bindExperiments({ segments: audiences.memberships, decide, flags });
  if (
    issues.length > 0 ||
    profilePlan === undefined ||
    audiences === undefined ||
    decide === undefined ||
    flags === undefined ||
    experiments === undefined
  ) {
    throw new RuleConfigError(issues);
  }
  drafts.sort((a, b) => b.priority - a.priority || a.order - b.order);
  const rules: RuleRuntime[] = drafts.map((draft, rank) => Object.freeze({ ...draft, rank }));
  const set: RuleSetRuntime = {
    [ruleSetBrand]: true,
    version: options.version,
    settings: Object.freeze({ ...settings }),
    profilePlan,
    rules: Object.freeze(rules),
    definitions: frozen,
    hasTimers: rules.some((rule) => rule.enabled && isTimerTrigger(rule.trigger)),
    byId: new Map(rules.map((rule) => [rule.id, rule])),
    index: buildRuleIndex(rules),
    timeZones: new TimeZones(),
    fatigue,
    memo: createConditionMemo(memoSize),
    audiences,
    decide,
    flags,
    experiments,
  };
  return Object.freeze(set);
}

/** A segment trigger must name a segment or cohort band of the same version. */
function checkSegmentTriggers(
  drafts: readonly Draft[],
  audiences: SegmentSetRuntime,
  issues: RuleIssue[],
): void {
  for (const draft of drafts) {
    const trigger = draft.trigger;
    if (trigger.type !== 'segment' || audiences.memberships.has(trigger.segment)) continue;
    issues.push({
      path: [draft.order, 'trigger', 'segment'],
      message: `unknown segment "${trigger.segment}" (a segment id, or "cohort:band")`,
    });
  }
}

function isTimerTrigger(trigger: CompiledTrigger): boolean {
  return trigger.type === 'inactive' || trigger.type === 'delay' || trigger.type === 'localTime';
}

function checkSettings(settings: RuleSettings, issues: RuleIssue[]): RuleSetRuntime['fatigue'] {
  const path = (...rest: string[]) => ['(settings)', ...rest];
  if (!isJsonObject(settings as unknown)) {
    issues.push({ path: path(), message: 'must be an object' });
    return undefined;
  }
  if (typeof settings.defaultTimezone !== 'string' || !isTimeZone(settings.defaultTimezone)) {
    issues.push({
      path: path('defaultTimezone'),
      message: `unknown timezone ${JSON.stringify(settings.defaultTimezone)} (an IANA name such as "Europe/Paris")`,
    });
  }
  const depth = settings.maxChainDepth;
  if (!Number.isInteger(depth) || depth < 0 || depth > 10) {
    issues.push({ path: path('maxChainDepth'), message: 'must be an integer from 0 to 10' });
  }
  if (settings.fatigue === undefined) return undefined;
  const perMs = parseOptionalDuration(settings.fatigue.per, path('fatigue', 'per'), issues);
  const max = settings.fatigue.max;
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    issues.push({ path: path('fatigue', 'max'), message: 'must be an integer from 1 to 1000' });
    return undefined;
  }
  return perMs === undefined ? undefined : { max, perMs };
}

/** A deep-frozen copy: firings and explanations hand out the configured actions as they are. */
function freezeDefinitions(
  definitions: readonly RuleDefinition[],
  issues: RuleIssue[],
): readonly RuleDefinition[] {
  if (!Array.isArray(definitions)) {
    issues.push({ path: [], message: 'rules must be a list' });
    return [];
  }
  return Object.freeze(
    definitions.map((definition: unknown, index) => {
      if (!isJsonObject(definition)) {
        issues.push({ path: [index], message: 'must be a rule (an object)' });
        return undefined;
      }
      try {
        return deepFreeze(structuredClone(definition)) as unknown as RuleDefinition;
      } catch {
        issues.push({ path: [index], message: 'must be plain data (JSON)' });
        return undefined;
      }
    }),
  ).filter((definition) => definition !== undefined) as readonly RuleDefinition[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

function compileRule(
  definition: RuleDefinition,
  index: number,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
  ids: Map<string, number>,
): Draft | undefined {
  const before = issues.length;
  const id = definition.id;
  if (typeof id !== 'string' || !idPattern.test(id)) {
    issues.push({ path: [index, 'id'], message: 'must be an id: letters, digits, "_", "-", "."' });
  } else if (isUnsafeKey(id)) {
    issues.push({ path: [index, 'id'], message: `"${id}" is reserved` });
  } else if (ids.has(id)) {
    issues.push({
      path: [index, 'id'],
      message: `duplicate rule id "${id}" (also rule ${ids.get(id)})`,
    });
  } else ids.set(id, index);
  const priority = definition.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
    issues.push({ path: [index, 'priority'], message: 'must be an integer within ±1 000 000' });
  }
  const trigger = compileTrigger(definition.trigger, [index, 'trigger'], compiler, issues);
  const condition = compileRuleCondition(definition, index, trigger, compiler, issues);
  const actions = compileActions(definition.actions, [index, 'actions'], issues);
  const constraints = compileConstraints(
    definition.constraints,
    definition.actions ?? [],
    [index, 'constraints'],
    issues,
  );
  if (issues.length > before || trigger === undefined) return undefined;
  return {
    definition,
    order: index,
    id,
    priority,
    enabled: definition.enabled !== false,
    trigger,
    condition,
    actions,
    constraints,
    placements: [
      ...new Set(actions.flatMap((action) => (action.type === 'decide' ? [action.placement] : []))),
    ],
  };
}

function compileRuleCondition(
  definition: RuleDefinition,
  index: number,
  trigger: CompiledTrigger | undefined,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledCondition | undefined {
  const path: Path = [index, 'condition'];
  if (definition.condition === undefined) {
    if (trigger?.type === 'condition') {
      issues.push({ path, message: 'a condition trigger needs a condition' });
    }
    return undefined;
  }
  // Only an event trigger has an event when its condition is evaluated.
  const event = trigger?.type === 'event';
  let condition: CompiledCondition;
  try {
    condition = compiler.add(definition.condition, { event, context: false });
  } catch (error) {
    issues.push(...conditionIssues(error, path));
    return undefined;
  }
  if (!event && condition.needs.readsEvent) {
    issues.push({
      path,
      message: `reads event.*, but a ${trigger?.type ?? ''} trigger has no event when it is evaluated`,
    });
  }
  if (condition.needs.readsContext) {
    issues.push({ path, message: 'reads context.*, which only decide requests have' });
  }
  return condition;
}
