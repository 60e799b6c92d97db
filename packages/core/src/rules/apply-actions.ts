/**
 * Rule actions: compiled once (checked, JSON values serialized), carried out on
 * the profile when a rule fires, with the effects the host must carry out
 * (emitted events, queued messages) added to the run's outcome.
 *
 * Placements: a decide action takes its placement unless it is held by an
 * unexpired decision of another rule that still exists, is enabled and has a
 * higher priority, or another rule already decided it in this same run (rules
 * run by priority, then config order: the first wins a tie). A rule that loses
 * any of its placements does not fire at all (suppressedBy 'lost-placement').
 * clearDecision always clears.
 */
import type { OnrampEvent } from '../events/event.js';
import { isJsonObject, isUnsafeKey, type JsonObject, type JsonValue } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';
import { advanceFlowStep } from '../flows/flow-progress.js';
import { parseOptionalDuration, recordFiring } from './constraints.js';
import type { FiringCause, RuleIssue, RuleOutcome } from './rule.js';
import type { CompiledAction, RuleRuntime, RuleSetRuntime } from './rule-runtime.js';
import type { Action } from './rule-schema.js';

/** One run of rules on one profile: what every rule of the run shares. */
export interface RuleRun {
  readonly set: RuleSetRuntime;
  readonly profile: ProfileState;
  readonly now: number;
  /** Emit hops behind the triggering event (0 for timers and ingested events). */
  readonly depth: number;
  readonly outcome: RuleOutcome;
  /** Placement → the rule that decided it in this run; created at the first decide. */
  decided: Map<string, string> | undefined;
  /** Set when an action changed traits, decisions or flows: condition triggers reading them are re-checked. */
  factsChanged: boolean;
}

export function newRun(
  set: RuleSetRuntime,
  profile: ProfileState,
  now: number,
  depth: number,
  outcome: RuleOutcome,
): RuleRun {
  return { set, profile, now, depth, outcome, decided: undefined, factsChanged: false };
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Checks and compiles a rule's actions; problems are added to `issues` under [...path, j, …]. */
export function compileActions(
  actions: readonly Action[] | undefined,
  path: (string | number)[],
  issues: RuleIssue[],
): CompiledAction[] {
  if (!Array.isArray(actions) || actions.length === 0) {
    issues.push({ path, message: 'a rule needs at least one action' });
    return [];
  }
  const compiled: CompiledAction[] = [];
  let emits = 0;
  let messages = 0;
  actions.forEach((action: Action, j) => {
    const at = (...rest: (string | number)[]) => [...path, j, ...rest];
    const before = issues.length;
    const result = compileAction(action, at, issues, { emits, messages });
    if (result === undefined || issues.length > before) return;
    if (result.type === 'emit') emits += 1;
    if (result.type === 'message') messages += 1;
    compiled.push(result);
  });
  return compiled;
}

type At = (...rest: (string | number)[]) => (string | number)[];

function compileAction(
  action: Action,
  at: At,
  issues: RuleIssue[],
  counts: { emits: number; messages: number },
): CompiledAction | undefined {
  const type: unknown = isJsonObject(action as unknown) ? action.type : undefined;
  switch (action.type) {
    case 'decide':
      return {
        type: 'decide',
        action,
        placement: checkId(action.placement, at('placement'), issues),
        content: checkId(action.content, at('content'), issues),
        ttlMs: parseOptionalDuration(action.ttl, at('ttl'), issues),
        variables: jsonText(action.variables, at('variables'), issues, true),
        ...(action.variant !== undefined && {
          variant: checkId(action.variant, at('variant'), issues),
        }),
        ...(action.maxShows !== undefined && { maxShows: action.maxShows }),
        ...(action.afterDismiss !== undefined &&
          action.afterDismiss !== 'hide' && {
            afterDismissMs:
              action.afterDismiss === 'show'
                ? 0
                : parseOptionalDuration(action.afterDismiss, at('afterDismiss'), issues),
          }),
      };
    case 'clearDecision':
      return {
        type: 'clearDecision',
        action,
        placement: checkId(action.placement, at('placement'), issues),
      };
    case 'setTrait': {
      if (action.value === undefined) issues.push({ path: at('value'), message: 'is required' });
      const value = jsonText(action.value, at('value'), issues, false) ?? 'null';
      return {
        type: 'setTrait',
        action,
        path: traitPath(action.trait, at('trait'), issues),
        value,
      };
    }
    case 'unsetTrait':
      return { type: 'unsetTrait', action, path: traitPath(action.trait, at('trait'), issues) };
    case 'emit':
      if (
        typeof action.event !== 'string' ||
        action.event.length === 0 ||
        action.event.startsWith('$')
      ) {
        issues.push({
          path: at('event'),
          message: 'must be a track event name (not starting with "$")',
        });
      }
      return {
        type: 'emit',
        action,
        event: action.event,
        properties: jsonText(action.properties, at('properties'), issues, true),
        ordinal: counts.emits,
      };
    case 'advanceFlow':
      // Without a step the flow must be defined in config (checked with the flows).
      return {
        type: 'advanceFlow',
        action,
        flow: checkId(action.flow, at('flow'), issues),
        step: action.step === undefined ? undefined : checkId(action.step, at('step'), issues),
      };
    case 'message':
      if (action.channel !== 'webhook' && action.channel !== 'email') {
        issues.push({ path: at('channel'), message: 'must be "webhook" or "email"' });
      }
      return {
        type: 'message',
        action,
        channel: action.channel,
        template: checkId(action.template, at('template'), issues),
        variables: jsonText(action.variables, at('variables'), issues, true),
        ordinal: counts.messages,
      };
    default:
      issues.push({
        path: typeof type === 'string' ? at('type') : at(),
        message: typeof type === 'string' ? `unknown action "${type}"` : 'an action needs a "type"',
      });
      return undefined;
  }
}

function checkId(value: unknown, path: (string | number)[], issues: RuleIssue[]): string {
  if (typeof value !== 'string' || !idPattern.test(value)) {
    issues.push({ path, message: 'must be an id: letters, digits, "_", "-", "."' });
    return '';
  }
  if (isUnsafeKey(value)) issues.push({ path, message: `"${value}" is reserved` });
  return value;
}

function traitPath(trait: unknown, path: (string | number)[], issues: RuleIssue[]): string[] {
  const segments = typeof trait === 'string' ? trait.split('.') : [];
  if (segments.length === 0 || segments.some((segment) => segment.length === 0)) {
    issues.push({ path, message: 'must be a trait name, "a.b" for a nested one' });
  } else if (segments.some(isUnsafeKey)) {
    issues.push({ path, message: 'must not name __proto__, constructor or prototype' });
  }
  return segments;
}

/** The JSON text of a value; `object`: it must be a JSON object. Undefined stays undefined. */
function jsonText(
  value: unknown,
  path: (string | number)[],
  issues: RuleIssue[],
  object: boolean,
): string | undefined {
  if (value === undefined) return undefined;
  if ((object && !isJsonObject(value)) || !isJson(value, 0)) {
    issues.push({ path, message: object ? 'must be a JSON object' : 'must be a JSON value' });
    return undefined;
  }
  return JSON.stringify(value);
}

function isJson(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.entries(value).every(([key, item]) => !isUnsafeKey(key) && isJson(item, depth + 1));
}

/** Whether the rule would lose one of its placements now (see the module comment). */
export function losesPlacement(run: RuleRun, rule: RuleRuntime): boolean {
  if (rule.placements.length === 0) return false;
  const decisions = run.profile.decisions;
  for (const placement of rule.placements) {
    const decidedBy = run.decided?.get(placement);
    if (decidedBy !== undefined && decidedBy !== rule.id) return true;
    if (decisions === undefined || !Object.hasOwn(decisions, placement)) continue;
    const current = decisions[placement];
    if (current === undefined || current.rule === rule.id) continue;
    if (current.expiresAt !== undefined && current.expiresAt <= run.now) continue;
    const holder = run.set.byId.get(current.rule);
    if (holder !== undefined && holder.enabled && rule.priority < holder.priority) return true;
  }
  return false;
}

/** Carries out a rule's actions, records the firing on the profile and in the outcome. */
export function fireRule(run: RuleRun, rule: RuleRuntime, cause: FiringCause): void {
  for (const action of rule.actions) applyAction(run, rule, action, cause);
  recordFiring(run.set, rule, run.profile, run.now);
  run.outcome.firings.push({
    profileId: run.profile.id,
    ruleId: rule.id,
    version: run.set.version,
    at: run.now,
    cause,
    actions: rule.definition.actions,
  });
  run.outcome.changed = true;
}

function applyAction(
  run: RuleRun,
  rule: RuleRuntime,
  action: CompiledAction,
  cause: FiringCause,
): void {
  const { profile, now } = run;
  if (action.type !== 'emit' && action.type !== 'message') run.factsChanged = true;
  switch (action.type) {
    case 'decide': {
      const decisions = (profile.decisions ??= {});
      decisions[action.placement] = {
        content: action.content,
        rule: rule.id,
        version: run.set.version,
        priority: rule.priority,
        at: now,
        ...(action.ttlMs !== undefined && { expiresAt: now + action.ttlMs }),
        ...(action.variables !== undefined && {
          variables: JSON.parse(action.variables) as JsonObject,
        }),
        ...(cause.type === 'segment' && { segment: cause.segment }),
        ...(action.variant !== undefined && { variant: action.variant }),
        ...(action.maxShows !== undefined && { maxShows: action.maxShows }),
        ...(action.afterDismissMs !== undefined && { afterDismiss: action.afterDismissMs }),
      };
      (run.decided ??= new Map()).set(action.placement, rule.id);
      return;
    }
    case 'clearDecision':
      if (profile.decisions !== undefined && Object.hasOwn(profile.decisions, action.placement)) {
        delete profile.decisions[action.placement];
      }
      return;
    case 'setTrait':
      setPath(profile, action.path, JSON.parse(action.value) as JsonValue);
      return;
    case 'unsetTrait':
      unsetPath(profile.traits, action.path);
      return;
    case 'advanceFlow': {
      const flow = run.set.decide.flows.byId.get(action.flow);
      if (flow !== undefined) {
        const changes = advanceFlowStep(flow, profile, action.step, now, run.set.experiments);
        if (changes.length > 0) (run.outcome.flowChanges ??= []).push(...changes);
      } else if (action.step !== undefined) {
        (profile.flows ??= {})[action.flow] = { step: action.step, at: now };
      }
      return;
    }
    case 'emit':
      run.outcome.effects.push({ type: 'emit', event: emittedEvent(run, rule, action, cause) });
      return;
    case 'message':
      run.outcome.effects.push({
        type: 'message',
        id: `${rule.id}:${profile.id}:${causeKey(cause, now)}${suffix(action.ordinal)}`,
        profileId: profile.id,
        ruleId: rule.id,
        channel: action.channel,
        template: action.template,
        variables:
          action.variables === undefined ? {} : (JSON.parse(action.variables) as JsonObject),
        at: now,
      });
  }
}

function emittedEvent(
  run: RuleRun,
  rule: RuleRuntime,
  action: Extract<CompiledAction, { type: 'emit' }>,
  cause: FiringCause,
): OnrampEvent {
  const { profile, now } = run;
  const source =
    cause.type === 'event' || (cause.type === 'condition' && cause.messageId !== undefined)
      ? cause.messageId
      : `${profile.id}:${causeKey(cause, now)}`;
  const identity: Pick<OnrampEvent, 'userId' | 'anonymousId'> =
    profile.userId !== undefined
      ? { userId: profile.userId }
      : { anonymousId: profile.anonymousIds[0] ?? profile.id };
  return {
    type: 'track',
    messageId: `rule:${rule.id}:${source}${suffix(action.ordinal)}`,
    ...identity,
    event: action.event,
    properties:
      action.properties === undefined ? {} : (JSON.parse(action.properties) as JsonObject),
    context: { onramp: { rule: rule.id, depth: run.depth + 1 } },
    timestamp: now,
    receivedAt: now,
  };
}

/**
 * What makes a firing unique for a profile and rule, so that a replay produces the
 * same ids: the event's messageId, the timer's due time, the segment change's time.
 */
export function causeKey(cause: FiringCause, at: number): string {
  switch (cause.type) {
    case 'event':
      return cause.messageId;
    case 'condition':
      return cause.messageId ?? `condition:${at}`;
    case 'segment':
      return `segment:${cause.segment}:${cause.on}:${at}`;
    case 'timer':
      return `timer:${cause.dueAt}`;
  }
}

function suffix(ordinal: number): string {
  return ordinal === 0 ? '' : `:${ordinal}`;
}

/** Sets a (nested) trait; objects are created along the path, replacing non-objects. */
function setPath(profile: ProfileState, path: readonly string[], value: JsonValue): void {
  let record: JsonObject = profile.traits;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = Object.hasOwn(record, key) ? record[key] : undefined;
    if (isJsonObject(next)) record = next;
    else {
      const created: JsonObject = {};
      record[key] = created;
      record = created;
    }
  }
  record[path[path.length - 1] as string] = value;
}

function unsetPath(traits: JsonObject, path: readonly string[]): void {
  let record: JsonObject = traits;
  for (let i = 0; i < path.length - 1; i++) {
    const next = Object.hasOwn(record, path[i] as string) ? record[path[i] as string] : undefined;
    if (!isJsonObject(next)) return;
    record = next;
  }
  const last = path[path.length - 1] as string;
  if (Object.hasOwn(record, last)) delete record[last];
}
