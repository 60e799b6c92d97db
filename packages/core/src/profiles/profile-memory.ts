/**
 * How much V8 heap one typical active profile takes in hot state (ARCHITECTURE
 * §5: ≤ 2 KB; docs/decisions/0005-compact-profile-state.md). The benchmark suite
 * and profile-memory.test.ts call it; it needs `node --expose-gc`.
 *
 * The typical profile: an onboarding history of 30 events in three sessions over
 * two days (6 event names: pages, a signup, an identify with 5 traits, steps,
 * projects, invitations), every event with a browser context, the first page view
 * with campaign and referrer. Each event is parsed from its own JSON text, so
 * every profile has its own strings and objects, as reading the log gives them;
 * the profile id is a crypto.randomUUID(), as the engine's; userId and
 * anonymousIds are linked as the processor links them (see `link`).
 */
import { Value } from '@sinclair/typebox/value';
import type { OnrampEvent } from '../events/event.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import { addAnonymousId, applyEvent, compileProfilePlan, createProfile } from './apply-event.js';
import type { ProfileState } from './profile.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * Sessions: [start, in hours from the first event; steps, one a minute]. A step
 * is a page name, `*` and a track event's name, or `=identify`.
 */
const history: readonly (readonly [number, readonly string[]])[] = [
  [
    0,
    'Home|Pricing|Sign Up|*Signed Up|=identify|Onboarding|*Onboarding Step Completed|' +
      '*Onboarding Step Completed|New Project|*Project Created|*Onboarding Step Completed|Dashboard',
  ],
  [
    6,
    'Dashboard|*Teammate Invited|*Onboarding Step Completed|Settings|*Teammate Invited|' +
      '*Onboarding Step Completed|Dashboard',
  ],
  [
    26,
    'Dashboard|*Project Created|Project|*Onboarding Step Completed|*Teammate Invited|Reports|' +
      '*Onboarding Step Completed|*Project Created|Dashboard|*Onboarding Step Completed|Settings',
  ],
].map(([hour, steps]) => [hour as number, (steps as string).split('|')] as const);

export const typicalProfileEvents = history.reduce((sum, [, steps]) => sum + steps.length, 0);

const userAgents = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const sources = ['google', 'newsletter', 'linkedin', 'partner'];
const campaigns = ['spring-launch', 'webinar-2024', 'partner-promo', 'retargeting'];
const referrers = [
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://www.linkedin.com/',
];

/** The events of typical profile `index`, ending at `endAt`, each parsed from its own JSON. */
export function typicalProfileHistory(index: number, endAt: number): OnrampEvent[] {
  const pick = <T>(values: readonly T[], salt: number): T =>
    values[(index * 7 + salt) % values.length] as T;
  const userId = `user-${index}-${(index * 2_654_435_761) % 1e9}`;
  const anonymousId = crypto.randomUUID();
  const start = endAt - 27 * HOUR - (index % 21) * HOUR;
  const agent = pick(userAgents, 0);
  const events: OnrampEvent[] = [];
  for (const [session, [hour, steps]] of history.entries()) {
    steps.forEach((step, i) => {
      const sequence = events.length;
      const timestamp = start + hour * HOUR + i * MINUTE + sequence * 1000;
      const path = `/${step.replace(/^[*=]/, '').toLowerCase().replace(/ /g, '-')}`;
      const campaign =
        session === 0 && i === 0
          ? `,"campaign":{"name":"${pick(campaigns, 1)}","source":"${pick(sources, 2)}","medium":"cpc","content":"ad-${index % 7}"}`
          : '';
      const referrer = session === 0 && i === 0 ? pick(referrers, 3) : 'https://app.example.com/';
      const context =
        `{"library":{"name":"analytics.js","version":"5.2.0"},"locale":"en-US","timezone":"Europe/Paris",` +
        `"userAgent":"${agent}","page":{"path":"${path}","url":"https://app.example.com${path}",` +
        `"referrer":"${referrer}"}${campaign}}`;
      const body = step.startsWith('=')
        ? `"type":"identify","traits":{"email":"${userId}@example.com","name":"User ${index}",` +
          `"company":"Company ${index % 5000}","role":"${pick(['founder', 'engineer', 'marketer'], 4)}","plan":"trial"}`
        : step.startsWith('*')
          ? `"type":"track","event":"${step.slice(1)}","properties":{"step":${sequence}}`
          : `"type":"page","name":"${step}","properties":{"path":"${path}","title":"${step}"}`;
      const ids =
        sequence >= 4
          ? `"userId":"${userId}","anonymousId":"${anonymousId}"`
          : `"anonymousId":"${anonymousId}"`;
      events.push(
        JSON.parse(
          `{${body},${ids},"messageId":"m-${index}-${sequence}","context":${context},` +
            `"timestamp":${timestamp},"receivedAt":${timestamp + 40}}`,
        ) as OnrampEvent,
      );
    });
  }
  return events;
}

/**
 * Average bytes of V8 heap per typical profile over `count` profiles built with
 * createProfile/applyEvent and the default settings: the settled heap after
 * minus before, divided by `count`. Throws without `node --expose-gc`.
 */
export function measureProfileBytes(count: number): number {
  const plan = compileProfilePlan(Value.Default(ProfileSettingsSchema, {}) as ProfileSettings);
  const endAt = Date.UTC(2026, 0, 1);
  const profiles: ProfileState[] = [];
  const before = settledHeap();
  for (let i = 0; i < count; i++) {
    const events = typicalProfileHistory(i, endAt);
    const profile = createProfile(crypto.randomUUID(), (events[0] as OnrampEvent).receivedAt);
    for (const event of events) {
      link(profile, event, plan.maxAnonymousIds);
      applyEvent(profile, event, plan, event.receivedAt);
    }
    profiles.push(profile);
  }
  const bytes = (settledHeap() - before) / count;
  // Read after the measure: the profiles must stay alive until then.
  if (profiles.length !== count) throw new Error(`built ${profiles.length} of ${count} profiles`);
  return bytes;
}

/**
 * As the processor links identities: userId once, each anonymousId added to the
 * list. With addAnonymousId, which keeps the list exact-size; the processor's own
 * push-based copy leaves ~130 bytes of array slack until it calls this one.
 */
function link(profile: ProfileState, event: OnrampEvent, maxAnonymousIds: number): void {
  if (event.userId !== undefined) profile.userId ??= event.userId;
  if (event.anonymousId !== undefined) addAnonymousId(profile, event.anonymousId, maxAnonymousIds);
}

/** Heap in use after full collections, once it stops shrinking. Needs node --expose-gc. */
export function settledHeap(): number {
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error('measureProfileBytes needs node --expose-gc');
  let used = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    collect();
    const now = process.memoryUsage().heapUsed;
    if (now >= used - 4096) return now;
    used = now;
  }
  return used;
}
