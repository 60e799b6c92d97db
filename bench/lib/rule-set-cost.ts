import {
  applyEvent,
  compileRuleSet,
  runRulesForEvent,
  type CompiledRuleSet,
  type OnrampEvent,
  type ProfileState,
  type RuleDefinition,
} from '@onramp/core';
import { benchNow, benchProfileSettings, generateProfiles } from './generated-profiles.js';
import { onboardingRules } from './onboarding-rules.js';
import { measureRates, type Rate, type RateOptions } from './rate.js';

export interface RuleSetCost {
  /** runRulesForEvent on the 10-rule set, µs per event. */
  usPerEventSmall: number;
  /** The same event on the 1 000-rule set, of which the same 10 are triggered by it. */
  usPerEventLarge: number;
  /** usPerEventLarge / usPerEventSmall: close to 1 when the trigger index does its job. */
  ratio: number;
  firingsPerEvent: number;
}

/** The event every measured run processes; the 10 small-set rules are triggered by it. */
export const triggerEvent = 'Feature Used';

/**
 * Conditions of the 10 triggered rules: taken from the onboarding set so that
 * between them they read every window (1h, 24h, 3d, 7d, 14d, 30d), engagement,
 * traits and touches; both sets then have the same profile plan.
 */
const triggeredConditions = [
  'trial-activated',
  'invite-team-nudge',
  'upgrade-intent',
  'error-help',
  'onboarding-in-progress',
  'daily-active',
  'engaged-free',
  'mobile-app-promo',
  'paid-active',
  'veteran-active',
];

/** Other events the 990 other rules wait for: none of them is the measured event. */
const otherEvents = [
  'Project Created',
  'Teammate Invited',
  'Report Exported',
  'Integration Connected',
  'Pricing Viewed',
  'Error Shown',
  'Upgrade Clicked',
  'Onboarding Step Completed',
  '$page',
  '$identify',
];

function definition(id: string, event: string, condition: RuleDefinition['condition']) {
  return {
    id,
    enabled: true,
    priority: 0,
    trigger: { type: 'event', event },
    condition,
    actions: [{ type: 'decide', placement: `banner-${id}`, content: `content-${id}` }],
    constraints: {},
  } satisfies RuleDefinition;
}

/** The 10 rules triggered by the measured event, and 990 more triggered by other events. */
export function costRuleDefinitions(size: 10 | 1000): RuleDefinition[] {
  const byId = new Map(onboardingRules.map((rule) => [rule.id, rule.forms.onramp]));
  const triggered = triggeredConditions.map((id) =>
    definition(`on-feature-${id}`, triggerEvent, byId.get(id)),
  );
  if (size === 10) return triggered;
  const others = Array.from({ length: 990 }, (_, i) => {
    const source = onboardingRules[i % onboardingRules.length];
    const event = otherEvents[i % otherEvents.length] as string;
    return definition(`other-${i}-${source?.id ?? ''}`, event, source?.forms.onramp);
  });
  // The triggered rules spread through the set rather than first.
  const all: RuleDefinition[] = [...others];
  triggered.forEach((rule, i) => all.splice(i * 100, 0, rule));
  return all;
}

/**
 * Per-event cost of runRulesForEvent with 1 000 rules configured, 10 of which
 * are triggered by the event, against a set of just those 10: profiles built
 * with the set's plan, the event applied (applyEvent) before timing, then the
 * rules run for it on every profile, round after round (rules without caps or
 * cooldowns, so every round does the same work).
 */
export async function measureRuleSetCost(
  options: RateOptions & { costProfiles: number },
): Promise<RuleSetCost> {
  const compile = (size: 10 | 1000) =>
    compileRuleSet(costRuleDefinitions(size), {
      profiles: benchProfileSettings(),
      settings: { defaultTimezone: 'UTC', maxChainDepth: 3 },
      version: 1,
    });
  const small = compile(10);
  const large = compile(1000);
  const windows = (set: CompiledRuleSet) =>
    set.profilePlan.windows.windows.map((window) => window.ms).join();
  if (windows(small) !== windows(large)) throw new Error('the two rule sets need different plans');
  const event: OnrampEvent = {
    type: 'track',
    event: triggerEvent,
    messageId: 'cost-event',
    properties: { feature: 'reports' },
    timestamp: benchNow,
    receivedAt: benchNow,
  };
  const build = () => {
    const profiles = generateProfiles(options.costProfiles, large.profilePlan, 7);
    for (const profile of profiles) applyEvent(profile, event, large.profilePlan, benchNow);
    return profiles;
  };
  const smallProfiles = build();
  const largeProfiles = build();
  const run = (set: CompiledRuleSet, profile: ProfileState) =>
    runRulesForEvent(set, profile, event, { now: benchNow, depth: 0 });

  let firings = 0;
  for (let i = 0; i < smallProfiles.length; i++) {
    const expected = run(small, smallProfiles[i] as ProfileState).firings.map((f) => f.ruleId);
    const actual = run(large, largeProfiles[i] as ProfileState).firings.map((f) => f.ruleId);
    if (expected.join() !== actual.join()) {
      throw new Error(`profile ${i}: 10 rules fire [${expected}], 1 000 rules fire [${actual}]`);
    }
    firings += expected.length;
  }
  const pass = (set: CompiledRuleSet, profiles: ProfileState[]) => () => {
    for (const profile of profiles) run(set, profile);
    return profiles.length;
  };
  const [smallRate, largeRate] = (await measureRates(
    [{ sync: pass(small, smallProfiles) }, { sync: pass(large, largeProfiles) }],
    options,
  )) as [Rate, Rate];
  const usPerEventSmall = 1e6 / smallRate.perSecond;
  const usPerEventLarge = 1e6 / largeRate.perSecond;
  return {
    usPerEventSmall,
    usPerEventLarge,
    ratio: usPerEventLarge / usPerEventSmall,
    firingsPerEvent: firings / smallProfiles.length,
  };
}
