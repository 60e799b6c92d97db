/**
 * Turns generated source into a function, once per condition at config time.
 * The source comes only from generate-source.ts (validated tree, literals
 * JSON-serialized); `new Function` gets no access to this module's scope: only
 * the helpers object and the constants array it is handed.
 */
import { eventTypes, type OnrampEvent } from '../events/event.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import { engagementScore } from '../profiles/engagement.js';
import { countInWindow } from '../profiles/windows.js';
import type { EvalInput } from './condition.js';
import type { ConditionNode } from './condition-tree.js';
import { runtimeHelpers } from './compare.js';
import { compareVersion } from './version.js';
import type { helperNames } from './generate-source.js';
import {
  generateConditionSource,
  generateFilterSource,
  type GeneratedSource,
  type MemoSlots,
} from './generate-source.js';

/** Metric names of the non-track event types ("page" → "$page"); no prototype. */
const metricNames: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(
    Object.create(null) as Record<string, string>,
    Object.fromEntries(eventTypes.filter((t) => t !== 'track').map((t) => [t, `$${t}`])),
  ),
);

const helpers: Readonly<Record<(typeof helperNames)[number], unknown>> = Object.freeze({
  ...runtimeHelpers,
  countInWindow,
  engagementScore,
  metricNames,
  compareVersion,
});

function instantiate<T>(generated: GeneratedSource): T {
  const factory = new Function('h', 'k', generated.body) as (
    h: unknown,
    k: readonly unknown[],
  ) => T;
  return factory(helpers, generated.constants);
}

export function instantiateCondition(
  node: ConditionNode,
  plan: ProfilePlan,
  memoSlots?: MemoSlots,
): (input: EvalInput) => boolean {
  return instantiate(generateConditionSource(node, plan, memoSlots));
}

export function instantiateFilter(node: ConditionNode): (event: OnrampEvent) => boolean {
  return instantiate(generateFilterSource(node));
}
