import type { JsonObject, OnrampEvent } from '@onramp/core';
import { seededRandom } from './ingest-bodies.js';

/**
 * A realistic onboarding history of one person, as the event log stores it
 * (normalized messages, times in ms): 30 events over three sessions in two
 * days — page views, a signup, an identify with 5 traits, onboarding steps,
 * projects and invitations — the first page view carrying campaign and
 * referrer context. Parsed from JSON so that every profile has its own
 * strings, as reading the log gives it.
 */
type Step = readonly [kind: 'page' | 'identify' | 'track', name: string, minute: number];

const sessions: readonly (readonly [startHour: number, steps: readonly Step[]])[] = [
  [
    0,
    [
      ['page', 'Home', 0],
      ['page', 'Pricing', 1],
      ['page', 'Sign Up', 3],
      ['track', 'Signed Up', 4],
      ['identify', '', 4],
      ['page', 'Onboarding', 5],
      ['track', 'Onboarding Step Completed', 6],
      ['track', 'Onboarding Step Completed', 8],
      ['page', 'New Project', 9],
      ['track', 'Project Created', 10],
      ['track', 'Onboarding Step Completed', 12],
      ['page', 'Dashboard', 13],
    ],
  ],
  [
    6,
    [
      ['page', 'Dashboard', 0],
      ['track', 'Teammate Invited', 2],
      ['track', 'Onboarding Step Completed', 3],
      ['page', 'Settings', 5],
      ['track', 'Teammate Invited', 6],
      ['track', 'Onboarding Step Completed', 8],
      ['page', 'Dashboard', 10],
    ],
  ],
  [
    26,
    [
      ['page', 'Dashboard', 0],
      ['track', 'Project Created', 1],
      ['page', 'Project', 3],
      ['track', 'Onboarding Step Completed', 5],
      ['track', 'Teammate Invited', 6],
      ['page', 'Reports', 8],
      ['track', 'Onboarding Step Completed', 9],
      ['track', 'Project Created', 11],
      ['page', 'Dashboard', 12],
      ['track', 'Onboarding Step Completed', 14],
      ['page', 'Settings', 15],
    ],
  ],
];

export const onboardingEventsPerProfile = sessions.reduce(
  (sum, [, steps]) => sum + steps.length,
  0,
);

const campaigns = ['spring-launch', 'webinar-2024', 'partner-promo', 'brand', 'retargeting'];
const sources = ['google', 'newsletter', 'linkedin', 'partner', 'twitter'];
const referrers = [
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://www.linkedin.com/',
  '',
];
const roles = ['founder', 'engineer', 'marketer', 'product', 'sales'];
const agents = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1',
];

/**
 * Deterministic histories: profile i always gets the same one for the same seed.
 * Each session's events share one context object (parsed per profile, so its
 * strings are the profile's own): a profile keeps only the first and the last
 * touch, so memory is the same as with a context per event, at a fraction of
 * the parsing.
 */
export function createOnboardingHistories(
  seed = 7,
): (index: number, endAt: number) => OnrampEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  return (index, endAt) => {
    const userId = `user-${index}-${Math.floor(random() * 1e9).toString(36)}`;
    const anonymousId = `${Math.floor(random() * 2 ** 52).toString(16)}-anon-${index}`;
    const start = endAt - 27 * 3_600_000 - Math.floor(random() * 21 * 3_600_000);
    const agent = pick(agents);
    const contexts: string[] = [];
    const events: string[] = [];
    let sequence = 0;
    for (const [session, [startHour, steps]] of sessions.entries()) {
      const first = session === 0;
      const landing = `/${(steps[0]?.[1] ?? '').toLowerCase().replace(/ /g, '-')}`;
      contexts.push(
        `{"library":{"name":"analytics.js","version":"5.2.0"},"locale":"en-US","timezone":"Europe/Paris",` +
          `"userAgent":"${agent}","page":{"path":"${landing}","url":"https://app.example.com${landing}",` +
          `"referrer":"${first ? pick(referrers) : 'https://app.example.com/'}"}` +
          (first
            ? `,"campaign":{"name":"${pick(campaigns)}","source":"${pick(sources)}","medium":"cpc","content":"ad-${index % 7}"}`
            : '') +
          '}',
      );
      for (const [kind, name, minute] of steps) {
        const timestamp = start + startHour * 3_600_000 + minute * 60_000 + sequence * 1_000;
        const identified = sequence >= 4;
        const path = `/${name.toLowerCase().replace(/ /g, '-')}`;
        const ids = identified
          ? `"userId":"${userId}","anonymousId":"${anonymousId}"`
          : `"anonymousId":"${anonymousId}"`;
        const body =
          kind === 'page'
            ? `"type":"page","name":"${name}","properties":{"path":"${path}","title":"${name}"}`
            : kind === 'identify'
              ? `"type":"identify","traits":{"email":"${userId}@example.com","name":"User ${index}",` +
                `"company":"Company ${index % 5000}","role":"${pick(roles)}","plan":"trial"}`
              : `"type":"track","event":"${name}","properties":{"step":${sequence},"source":"app"}`;
        events.push(
          `{${body},${ids},"messageId":"m-${index}-${sequence}","context":${session},` +
            `"timestamp":${timestamp},"receivedAt":${timestamp + 40}}`,
        );
        sequence++;
      }
    }
    const history = JSON.parse(
      `{"contexts":[${contexts.join(',')}],"events":[${events.join(',')}]}`,
    ) as {
      contexts: JsonObject[];
      events: (Omit<OnrampEvent, 'context'> & { context: number })[];
    };
    return history.events.map((event) => ({
      ...event,
      context: history.contexts[event.context] as JsonObject,
    }));
  };
}
