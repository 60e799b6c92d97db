/**
 * Engagement score: min(max, Σ weight(event name) × count of that event in the
 * engagement window), rounded to 2 decimals. Negative weights may lower it below 0.
 * The window must be one of the plan's: compileProfilePlan adds it to the
 * configured windows when it is not among them, so its counts are kept too.
 */
import type { EngagementSettings } from '../settings/workspace-settings.js';
import { parseDuration } from '../time/duration.js';
import { eventWindowCount, type ProfileState } from './profile.js';
import type { WindowPlan } from './windows.js';

export interface EngagementPlan {
  /** Index of the engagement window in the window plan. */
  readonly windowIndex: number;
  /** [event name, weight], zero weights left out. */
  readonly weights: readonly (readonly [string, number])[];
  readonly max: number;
}

/** Compiles the settings against a window plan; throws (config time) if the window is not in it. */
export function compileEngagement(settings: EngagementSettings, plan: WindowPlan): EngagementPlan {
  const ms = parseDuration(settings.window);
  const windowIndex = plan.windows.findIndex((w) => w.ms === ms);
  if (windowIndex < 0) {
    throw new RangeError(`engagement window "${settings.window}" is not among the profile windows`);
  }
  const weights = Object.entries(settings.weights)
    .filter(([, weight]) => weight !== 0 && Number.isFinite(weight))
    .map(([name, weight]) => Object.freeze([name, weight] as const));
  return Object.freeze({ windowIndex, weights: Object.freeze(weights), max: settings.max });
}

/** Work is one counter read per weighted event name, independent of the profile's size. */
export function engagementScore(
  state: Pick<ProfileState, 'events'>,
  engagement: EngagementPlan,
  windows: WindowPlan,
  now: number,
): number {
  let score = 0;
  // Indexed, not `for (const [name, weight] of …)`: destructuring each pair allocated an
  // iterator per weight on every event.
  const weights = engagement.weights;
  for (let i = 0; i < weights.length; i++) {
    const entry = weights[i] as readonly [string, number];
    // Own properties only (eventWindowCount): a weight named "toString" reads nothing.
    score += entry[1] * eventWindowCount(state, entry[0], windows, engagement.windowIndex, now);
  }
  return Math.round(Math.min(engagement.max, score) * 100) / 100;
}
