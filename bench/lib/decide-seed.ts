/**
 * The users of the decide benchmark: a deterministic onboarding history per user
 * (identify with traits, signup, page views, projects, feature use, invitations,
 * integrations, billing), sent through POST /v1/batch so that every user has a
 * profile, rule decisions and flow progress before decide is measured.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { scrapeMetric } from './engine-metrics.js';
import { seededRandom } from './ingest-bodies.js';

/** The userId of the i-th benchmark user. */
export const benchUserId = (index: number): string => `bench-user-${index}`;

type Message = Record<string, unknown>;

const firstNames = ['Ada', 'Grace', 'Alan', 'Léa', 'Hugo', 'Chloé', 'Linus', 'Margaret'];
const plans = ['free', 'free', 'free', 'team', 'team', 'pro'] as const;
const roles = ['admin', 'member', 'member', 'member', 'manager'] as const;
const features = ['reports', 'dashboards', 'export'] as const;

/**
 * The history of user `index`, one minute apart, ending shortly before `now`:
 * 8 to 25 events. Deterministic for a given index.
 */
export function seedHistoryOf(index: number, now: number): Message[] {
  const random = seededRandom(index + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const userId = benchUserId(index);
  const plan = pick(plans);
  const fr = random() < 0.4;
  const traits: Message = {
    email: `${userId}@example.com`,
    plan,
    role: pick(roles),
    locale: fr ? 'fr' : 'en',
    company_size: 1 + Math.floor(random() * 500),
  };
  if (random() < 0.9) traits.first_name = pick(firstNames);
  if (random() < 0.1) traits.referredBy = pick(firstNames);
  const context = { locale: fr ? 'fr-FR' : 'en-US', page: { path: '/' } };
  const steps: [type: string, fields: Message][] = [
    ['page', { name: 'Home', properties: { path: '/' } }],
    ['track', { event: 'Signed Up', properties: { plan } }],
    ['identify', { traits }],
    ['page', { name: 'Dashboard', properties: { path: '/dashboard' } }],
  ];
  const projects = Math.floor(random() * 4);
  for (let i = 0; i < projects; i++) {
    steps.push(['track', { event: 'Project Created', properties: { template: pick(features) } }]);
  }
  const uses = Math.floor(random() * 12);
  for (let i = 0; i < uses; i++) {
    steps.push(['track', { event: 'Feature Used', properties: { feature: pick(features) } }]);
    if (i % 3 === 2) steps.push(['page', { name: 'Reports', properties: { path: '/reports' } }]);
  }
  if (random() < 0.4) steps.push(['track', { event: 'Teammate Invited', properties: {} }]);
  if (random() < 0.25) steps.push(['track', { event: 'Integration Connected', properties: {} }]);
  if (random() < 0.1) steps.push(['track', { event: 'Billing Configured', properties: {} }]);
  const start = now - (steps.length + 5) * 60_000;
  return steps.map(([type, fields], i) => ({
    type,
    userId,
    messageId: `seed-${index}-${i}`,
    timestamp: new Date(start + i * 60_000).toISOString(),
    context,
    ...fields,
  }));
}

export interface SeedOptions {
  url: string;
  /** `Authorization` header of the ingest API (the write key as Basic username). */
  authorization: string;
  users: number;
  /** Events per request (whole histories, so a user's events stay in order). */
  batchSize: number;
  /** Requests in flight. */
  concurrency: number;
  /** Give up waiting for the processor after this long. */
  applyTimeoutMs: number;
}

export interface Seeded {
  events: number;
  /** From the first request to the processor having applied everything. */
  seconds: number;
}

/** Sends every user's history, then waits until the engine has applied all of it. */
export async function seedUsers(options: SeedOptions): Promise<Seeded> {
  const started = performance.now();
  const processedBefore = (await scrapeMetric(options.url, 'onramp_processor_events_total')) ?? 0;
  const now = Date.now();
  let next = 0;
  let events = 0;
  const nextBody = (): string | undefined => {
    if (next >= options.users) return undefined;
    const batch: Message[] = [];
    while (next < options.users && batch.length < options.batchSize) {
      batch.push(...seedHistoryOf(next++, now));
    }
    events += batch.length;
    return JSON.stringify({ batch });
  };
  const worker = async (): Promise<void> => {
    for (let body = nextBody(); body !== undefined; body = nextBody()) {
      const response = await fetch(`${options.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: options.authorization },
        body,
      });
      if (response.status !== 200) {
        throw new Error(`seed batch refused: ${response.status} ${await response.text()}`);
      }
      await response.body?.cancel();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await waitUntilApplied(options.url, processedBefore + events, options.applyTimeoutMs);
  return { events, seconds: (performance.now() - started) / 1000 };
}

/**
 * Waits until the processor has applied at least `processed` events in all, reports
 * no backlog and has committed every changed profile, twice in a row (flow events it
 * appends itself come after): what is measured next does not share the machine with
 * the seeding's last flushes.
 */
export async function waitUntilApplied(
  url: string,
  processed: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let settled = 0;
  let last = '';
  while (performance.now() < deadline) {
    const applied = await scrapeMetric(url, 'onramp_processor_events_total');
    const lag = await scrapeMetric(url, 'onramp_log_lag_events');
    const dirty = await scrapeMetric(url, 'onramp_profiles_dirty');
    last = `${applied ?? '?'} of ${processed} applied, backlog ${lag ?? '?'}, ${dirty ?? '?'} profiles to commit`;
    const done = applied !== undefined && applied >= processed && lag === 0 && dirty === 0;
    settled = done ? settled + 1 : 0;
    if (settled >= 2) return;
    await sleep(200);
  }
  throw new Error(`the engine did not apply the events within ${timeoutMs / 1000} s (${last})`);
}
