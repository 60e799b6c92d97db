/** Checks and compiles a rule's trigger (event filters through the condition compiler). */
import { ConditionError } from '../conditions/condition.js';
import type { ConditionCompiler } from '../conditions/condition-compiler.js';
import { isJsonObject } from '../json/json.js';
import { parseOptionalDuration } from './constraints.js';
import { parseLocalTime, weekdayMask, weekdays } from './local-time.js';
import type { RuleIssue } from './rule.js';
import type { CompiledTrigger, EventFilter } from './rule-runtime.js';
import type { Trigger } from './rule-schema.js';

type Path = (string | number)[];

export function compileTrigger(
  trigger: Trigger | undefined,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledTrigger | undefined {
  if (!isJsonObject(trigger as unknown) || trigger === undefined) {
    issues.push({ path, message: 'a rule needs a trigger' });
    return undefined;
  }
  const before = issues.length;
  const at = (...rest: (string | number)[]) => [...path, ...rest];
  let compiled: CompiledTrigger | undefined;
  switch (trigger.type) {
    case 'event': {
      checkEventName(trigger.event, at('event'), issues, true);
      const filter = eventFilter(trigger.where, at('where'), compiler, issues);
      compiled = { type: 'event', event: trigger.event, filter };
      break;
    }
    case 'condition':
      compiled = { type: 'condition' };
      break;
    case 'segment': {
      const on = trigger.on ?? 'entered';
      if (typeof trigger.segment !== 'string' || trigger.segment.length === 0) {
        issues.push({ path: at('segment'), message: 'must be a segment id' });
      }
      if (on !== 'entered' && on !== 'exited') {
        issues.push({ path: at('on'), message: 'must be "entered" or "exited"' });
      }
      compiled = { type: 'segment', segment: trigger.segment, on };
      break;
    }
    case 'inactive': {
      const forMs = parseOptionalDuration(trigger.for, at('for'), issues);
      if (trigger.for === undefined) issues.push({ path: at('for'), message: 'is required' });
      compiled = { type: 'inactive', forMs: forMs ?? 0 };
      break;
    }
    case 'delay':
      compiled = compileDelay(trigger, at, compiler, issues);
      break;
    case 'localTime':
      compiled = compileLocalTime(trigger, at, issues);
      break;
    default: {
      const type: unknown = (trigger as { type?: unknown }).type;
      issues.push({
        path: at('type'),
        message: `unknown trigger ${JSON.stringify(type ?? null)} (event, condition, segment, inactive, delay, localTime)`,
      });
    }
  }
  return issues.length > before ? undefined : compiled;
}

function compileDelay(
  trigger: Extract<Trigger, { type: 'delay' }>,
  at: (...rest: (string | number)[]) => Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledTrigger {
  checkEventName(trigger.event, at('event'), issues, false);
  const delayMs = parseOptionalDuration(trigger.delay, at('delay'), issues);
  if (trigger.delay === undefined) issues.push({ path: at('delay'), message: 'is required' });
  const unless = trigger.unless ?? [];
  if (!Array.isArray(unless)) {
    issues.push({ path: at('unless'), message: 'must be a list of event names' });
  } else {
    unless.forEach((name, k) => {
      checkEventName(name, at('unless', k), issues, false);
      if (name === trigger.event) {
        issues.push({ path: at('unless', k), message: 'must differ from the arming event' });
      }
    });
  }
  return {
    type: 'delay',
    event: trigger.event,
    filter: eventFilter(trigger.where, at('where'), compiler, issues),
    delayMs: delayMs ?? 0,
    unless: Array.isArray(unless) ? [...new Set(unless)] : [],
  };
}

function compileLocalTime(
  trigger: Extract<Trigger, { type: 'localTime' }>,
  at: (...rest: (string | number)[]) => Path,
  issues: RuleIssue[],
): CompiledTrigger {
  const minute = typeof trigger.at === 'string' ? parseLocalTime(trigger.at) : undefined;
  if (minute === undefined) issues.push({ path: at('at'), message: 'must be "HH:MM" (24 h)' });
  const days = trigger.days;
  if (days !== undefined) {
    if (!Array.isArray(days) || days.length === 0) {
      issues.push({ path: at('days'), message: 'must list at least one weekday' });
    } else {
      days.forEach((day, k) => {
        if (!(weekdays as readonly string[]).includes(day)) {
          issues.push({ path: at('days', k), message: `must be one of ${weekdays.join(', ')}` });
        }
      });
    }
  }
  return {
    type: 'localTime',
    minute: minute ?? 0,
    days: weekdayMask(Array.isArray(days) ? days : undefined),
  };
}

function checkEventName(name: unknown, path: Path, issues: RuleIssue[], any: boolean): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    issues.push({ path, message: 'must be an event name' });
  } else if (name === '*' && !any) {
    issues.push({ path, message: '"*" is only for event triggers (use an inactive trigger)' });
  }
}

function eventFilter(
  where: unknown,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): EventFilter | undefined {
  if (where === undefined) return undefined;
  try {
    return compiler.addEventFilter(where);
  } catch (error) {
    issues.push(...conditionIssues(error, path));
    return undefined;
  }
}

/** Issues of a ConditionError under `path`; any other error as one issue. */
export function conditionIssues(error: unknown, path: Path): RuleIssue[] {
  if (error instanceof ConditionError) {
    return error.issues.map((issue) => ({
      path: [...path, ...issue.path],
      message: issue.message,
    }));
  }
  return [{ path, message: error instanceof Error ? error.message : String(error) }];
}
