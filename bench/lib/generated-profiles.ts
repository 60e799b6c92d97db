import { Value } from '@sinclair/typebox/value';
import {
  ProfileSettingsSchema,
  applyEvent,
  createProfile,
  type JsonObject,
  type OnrampEvent,
  type ProfilePlan,
  type ProfileSettings,
  type ProfileState,
} from '@onramp/core';
import { seededRandom } from './ingest-bodies.js';
import { engagementWeights, extraWindows } from './onboarding-rules.js';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** The evaluation time of the rules benchmark (fixed, so runs are comparable). */
export const benchNow = Date.UTC(2026, 5, 15, 12, 0, 0);

/**
 * The benchmark's profile settings: the default windows (the conditions add
 * theirs through the condition compiler's plan) and engagement weights.
 */
export function benchProfileSettings(): ProfileSettings {
  return Value.Default(ProfileSettingsSchema, {
    engagement: { window: '7d', weights: engagementWeights, max: 100 },
  }) as ProfileSettings;
}

/** The windows a plan for these rules needs: the defaults plus those the conditions add. */
export function benchWindows(settings: ProfileSettings): string[] {
  return [...settings.windows, ...extraWindows];
}

const plans = ['free', 'free', 'trial', 'trial', 'trial', 'starter', 'pro', 'pro', 'enterprise'];
const roles = ['founder', 'engineer', 'engineer', 'marketer', 'product', 'sales', 'admin'];
const countries = ['US', 'US', 'US', 'DE', 'FR', 'GB', 'IN', 'JP', 'BR', 'AU', 'CA'];
const versions = ['1.8.0', '1.9.4', '1.10.2', '2.0.0', '2.3.1', '2.10.0'];
const tagPool = ['beta', 'early-adopter', 'churn-risk', 'at-risk', 'vip', 'api'];
const webmail = ['gmail.com', 'yahoo.com', 'outlook.com'];
const campaigns = ['spring-launch', 'webinar-2024', 'partner-promo', 'brand', 'retargeting'];
const sources = ['google', 'newsletter', 'linkedin', 'partner', 'twitter'];
const referrers = [
  'https://www.google.com/',
  'https://partner.example.net/onramp',
  'https://news.ycombinator.com/',
  'https://www.linkedin.com/',
];
const agents = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1',
];
/** Track events with their relative weights; page views come on top. */
const tracks: readonly (readonly [string, number])[] = [
  ['Feature Used', 10],
  ['Onboarding Step Completed', 3],
  ['Project Created', 2],
  ['Teammate Invited', 1.5],
  ['Report Exported', 1.5],
  ['Integration Connected', 0.7],
  ['Pricing Viewed', 1],
  ['Error Shown', 1],
  ['Upgrade Clicked', 0.4],
];
const trackWeight = tracks.reduce((sum, [, weight]) => sum + weight, 0);

type Random = () => number;

/**
 * `count` deterministic profiles (the same ones for the same seed and plan),
 * each built from its generated history with createProfile/applyEvent, every
 * event processed at its own time, as the processor would have: real
 * ProfileState, evaluated at `benchNow`. Profiles differ in age (0–40 days),
 * recency, number and length of sessions, identify traits (plan, role, company
 * size, country, email, app version, tags), consent, campaigns and devices.
 */
export function generateProfiles(count: number, plan: ProfilePlan, seed = 42): ProfileState[] {
  const random = seededRandom(seed);
  const profiles: ProfileState[] = [];
  for (let index = 0; index < count; index++) {
    const events = generateHistory(index, random);
    const profile = createProfile(`profile-${index}`, events[0]?.timestamp ?? benchNow);
    for (const event of events) applyEvent(profile, event, plan, event.timestamp);
    profiles.push(profile);
  }
  return profiles;
}

/** One profile's history, oldest first. */
export function generateHistory(index: number, random: Random): OnrampEvent[] {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const ageMs = Math.floor(random() ** 1.5 * 40 * day) + hour;
  const firstSeen = benchNow - ageMs;
  // A quarter is active right now; the others were last seen hours to weeks ago.
  const recency = random() < 0.25 ? random() * 20 * minute : random() ** 2 * 14 * day;
  const lastStart = Math.max(firstSeen, benchNow - recency - 30 * minute);
  const sessionCount = 1 + Math.floor(random() ** 2 * 9);
  const activity = 0.3 + random() * 1.7;
  const userId = `user-${index}`;
  const anonymousId = `anon-${index}`;
  const identified = random() < 0.85;
  const agent = pick(agents);
  const device = agent.includes('iPhone') ? 'mobile' : 'desktop';
  const consent =
    random() < 0.6
      ? { categoryPreferences: { analytics: random() < 0.75, marketing: random() < 0.5 } }
      : undefined;
  const events: OnrampEvent[] = [];
  let sequence = 0;
  const push = (event: Omit<OnrampEvent, 'messageId' | 'receivedAt' | 'anonymousId'>) => {
    events.push({
      ...event,
      messageId: `m-${index}-${sequence++}`,
      anonymousId,
      ...(identified && events.length > 1 ? { userId } : {}),
      receivedAt: event.timestamp + 40,
    });
  };
  for (let session = 0; session < sessionCount; session++) {
    const length = 2 + Math.floor(random() * 12 * activity);
    const planned =
      sessionCount === 1
        ? lastStart
        : firstSeen + ((lastStart - firstSeen) * session) / (sessionCount - 1);
    // Every event at or before benchNow (steps are at most 2 minutes apart).
    let timestamp = Math.floor(Math.min(planned, benchNow - length * 2 * minute));
    const context = sessionContext(session === 0 || random() < 0.2, agent, device, consent, pick);
    for (let step = 0; step < length; step++) {
      timestamp += Math.floor(30_000 + random() * 90_000);
      if (session === 0 && step === 1 && identified) {
        push({ type: 'identify', traits: identifyTraits(index, random, pick), context, timestamp });
      } else if (random() < 0.4) {
        push({ type: 'page', name: pick(['Dashboard', 'Pricing', 'Reports']), context, timestamp });
      } else {
        push({ type: 'track', event: pickTrack(random), properties: { step }, context, timestamp });
      }
    }
  }
  return events;
}

function sessionContext(
  campaign: boolean,
  agent: string,
  device: string,
  consent: JsonObject | undefined,
  pick: <T>(values: readonly T[]) => T,
): JsonObject {
  const context: JsonObject = {
    userAgent: agent,
    device: { type: device },
    locale: 'en-US',
    page: { path: '/dashboard', url: 'https://app.example.com/dashboard' },
  };
  if (campaign && pick([true, true, false])) {
    context.campaign = { name: pick(campaigns), source: pick(sources), medium: 'cpc' };
    context.referrer = { url: pick(referrers) };
  }
  if (consent !== undefined) context.consent = consent;
  return context;
}

function identifyTraits(
  index: number,
  random: Random,
  pick: <T>(values: readonly T[]) => T,
): JsonObject {
  const traits: JsonObject = {
    email: `user${index}@${random() < 0.35 ? pick(webmail) : `company${index % 700}.io`}`,
    plan: pick(plans),
    role: pick(roles),
    companySize: 1 + Math.floor(Math.exp(random() * 8.5)),
    country: pick(countries),
  };
  if (random() < 0.8) traits.appVersion = pick(versions);
  if (random() < 0.7) {
    traits.tags = tagPool.filter(() => random() < 0.3);
  }
  const completed = random();
  if (completed < 0.5) traits.onboardingCompleted = completed < 0.3;
  return traits;
}

function pickTrack(random: Random): string {
  let roll = random() * trackWeight;
  for (const [name, weight] of tracks) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return 'Feature Used';
}
