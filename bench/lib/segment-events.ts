import type { JsonObject, OnrampEvent } from '@onramp/core';
import { seededRandom } from './ingest-bodies.js';
import { createOnboardingHistories } from './onboarding-events.js';

const plans = ['free', 'free', 'trial', 'trial', 'trial', 'starter', 'pro', 'pro', 'enterprise'];
const countries = ['US', 'US', 'US', 'DE', 'FR', 'GB', 'IN', 'JP', 'BR'];
const tagPool = ['beta', 'early-adopter', 'churn-risk', 'vip', 'api'];
const features = ['reports', 'dashboards', 'api', 'exports', 'alerts', 'sso'];
/** Events in the script's first session, and in the first two. */
const sessionEnds = [12, 19];

/**
 * The onboarding histories of `profiles` people (onboarding-events.ts: 30 events
 * over three sessions in two days, ending before `endAt`), merged into one
 * stream in arrival order, as the log receives them. Each history is varied so
 * that the segments have something to tell apart: 30 % of the people stop after
 * the first session and 25 % after the second, 10 % of the other events are
 * left out, the identify carries a plan,
 * a company size, a country and tags besides the role; a third of the
 * onboarding steps become `Feature Used` (with a feature), `Report Exported` or
 * `Pricing Viewed`. Deterministic for a seed.
 */
export function createSegmentStream(profiles: number, endAt: number, seed = 11): OnrampEvent[] {
  const historyOf = createOnboardingHistories(seed);
  const random = seededRandom(seed + 1);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const stream: OnrampEvent[] = [];
  for (let index = 0; index < profiles; index++) {
    const history = historyOf(index, endAt);
    // Not everyone finishes onboarding: some stop after the first or second session.
    const roll = random();
    const kept = roll < 0.3 ? sessionEnds[0] : roll < 0.55 ? sessionEnds[1] : history.length;
    for (const event of history.slice(0, kept)) {
      // A few events of the script are skipped, so that counts differ between people.
      if (event.type !== 'identify' && random() < 0.1) continue;
      if (event.type === 'identify' && event.traits !== undefined) {
        const traits: JsonObject = event.traits;
        traits.plan = pick(plans);
        traits.companySize = 1 + Math.floor(Math.exp(random() * 8));
        traits.country = pick(countries);
        traits.tags = tagPool.filter(() => random() < 0.25);
        if (random() < 0.5) traits.onboardingCompleted = random() < 0.6;
      } else if (event.type === 'track' && event.event === 'Onboarding Step Completed') {
        const roll = random();
        if (roll < 0.2) {
          event.event = 'Feature Used';
          event.properties = { ...event.properties, feature: pick(features) };
        } else if (roll < 0.27) event.event = 'Report Exported';
        else if (roll < 0.33) event.event = 'Pricing Viewed';
      }
      stream.push(event);
    }
  }
  // Stable: a person's events keep their order when two arrive in the same millisecond.
  return stream.sort((a, b) => a.receivedAt - b.receivedAt);
}
