import type { JsonObject, SegmentDefinition } from '@onramp/core';

/**
 * What a segment of the generated set reads. A real workspace's mix: traits
 * (plan, role, company size, country, tags), behaviour (counts of an event in a
 * window, "viewed pricing", "never invited anyone", time since an event, a
 * sequence), time alone (signed up lately, inactive for a while), engagement and
 * session thresholds, first touch, composites, and segments of segments.
 */
export type SegmentKind =
  | 'plan'
  | 'behaviour'
  | 'signed-up'
  | 'engagement'
  | 'company-size'
  | 'feature'
  | 'inactive'
  | 'composite-or'
  | 'sessions'
  | 'of-segments'
  | 'role'
  | 'viewed-page'
  | 'never'
  | 'country'
  | 'behaviour-short'
  | 'composite-and'
  | 'first-touch'
  | 'since-event'
  | 'tags'
  | 'sequence';

/**
 * One cycle of 20 kinds; the set repeats it with other parameters. The first ten
 * are one of each broad family, so the 10-segment set has the same mix as the
 * 200-segment one: about a quarter traits, a third behaviour, the rest time,
 * engagement, sessions, touches, composites and segments of segments.
 */
export const segmentKinds: readonly SegmentKind[] = [
  'plan',
  'behaviour',
  'signed-up',
  'engagement',
  'company-size',
  'feature',
  'inactive',
  'composite-or',
  'sessions',
  'of-segments',
  'role',
  'viewed-page',
  'never',
  'country',
  'behaviour-short',
  'composite-and',
  'first-touch',
  'since-event',
  'tags',
  'sequence',
];

const plans = ['free', 'trial', 'starter', 'pro', 'enterprise'];
const roles = ['founder', 'engineer', 'marketer', 'product', 'sales', 'admin'];
const countries = ['US', 'DE', 'FR', 'GB', 'IN', 'JP', 'BR'];
const tags = ['beta', 'early-adopter', 'churn-risk', 'vip', 'api'];
const features = ['reports', 'dashboards', 'api', 'exports', 'alerts', 'sso'];
const pages = ['Pricing', 'Reports', 'Settings', 'Dashboard'];
const sources = ['google', 'newsletter', 'linkedin', 'partner', 'twitter'];
/** Behaviour the generated streams and profiles both have. */
const names = [
  'Project Created',
  'Teammate Invited',
  'Onboarding Step Completed',
  'Feature Used',
  'Report Exported',
  'Pricing Viewed',
];
const windows = ['24h', '3d', '7d', '14d', '30d'];
const recent = ['6h', '24h', '2d', '3d', '7d'];
const idle = ['6h', '12h', '1d', '3d', '7d', '14d'];

const at = <T>(list: readonly T[], index: number): T => list[index % list.length] as T;

/** The segment id of position `index` (its kind and position, e.g. `plan-0`). */
export function segmentId(index: number): string {
  return `${at(segmentKinds, index)}-${index}`;
}

/** The condition of the segment at `index`; `cycle` varies the parameters between repeats. */
function conditionOf(kind: SegmentKind, index: number, cycle: number): JsonObject {
  const base = index - (index % segmentKinds.length);
  switch (kind) {
    case 'plan':
      return { 'traits.plan': { $in: [at(plans, cycle), at(plans, cycle + 2)] } };
    case 'behaviour':
      return {
        $event: {
          name: at(names, cycle),
          within: at(windows, cycle + 2),
          count: { $gte: 1 + (cycle % 3) },
        },
      };
    case 'signed-up':
      return { $elapsed: { since: 'firstSeen', $lt: at(recent, cycle + 1) } };
    case 'engagement':
      return { engagement: { $gte: 10 + 10 * (cycle % 5) } };
    case 'company-size':
      return { 'traits.companySize': { $gte: 10 * (1 + cycle), $lt: 200 * (1 + cycle) } };
    case 'feature':
      return {
        $event: {
          name: 'Feature Used',
          where: { 'properties.feature': at(features, cycle) },
          within: '7d',
          count: { $gte: 3 },
        },
      };
    case 'inactive':
      return { $elapsed: { since: 'lastSeen', $gte: at(idle, cycle + 2) } };
    case 'composite-or':
      return {
        $or: [
          { 'traits.role': at(roles, cycle) },
          {
            $and: [
              { $event: { name: at(names, cycle + 1), within: '7d', count: { $gte: 2 } } },
              { 'sessions.count': { $gte: 2 } },
            ],
          },
        ],
      };
    case 'sessions':
      return { 'sessions.count': { $gte: 2 + (cycle % 5) } };
    case 'of-segments':
      // An earlier plan segment and engagement segment of the same cycle.
      return { segments: { $all: [segmentId(base), segmentId(base + 3)] } };
    case 'role':
      return { 'traits.role': at(roles, cycle + 1) };
    case 'viewed-page':
      return { $event: { name: '$page', where: { name: at(pages, cycle) } } };
    case 'never':
      return { $event: { name: at(names, cycle + 1), count: 0 } };
    case 'country':
      return { 'traits.country': { $in: [at(countries, cycle), at(countries, cycle + 3)] } };
    case 'behaviour-short':
      return {
        $event: { name: at(names, cycle + 2), within: at(windows, cycle), count: { $gte: 2 } },
      };
    case 'composite-and':
      return {
        $and: [
          { 'traits.plan': { $in: ['trial', 'free'] } },
          { engagement: { $gte: 10 + 5 * (cycle % 4) } },
          { $elapsed: { since: 'firstSeen', $gte: at(recent, cycle) } },
        ],
      };
    case 'first-touch':
      return { 'firstTouch.utmSource': at(sources, cycle) };
    case 'since-event':
      return {
        $elapsed: {
          since: { event: at(names, cycle), at: 'last' },
          $gte: at(idle, cycle + 1),
        },
      };
    case 'tags':
      return { 'traits.tags': at(tags, cycle) };
    case 'sequence':
      // Sequences keep a tracker on every profile: every other cycle has one, as
      // a workspace would use a few.
      return cycle % 2 === 0
        ? {
            $sequence: {
              steps: [at(names, cycle), at(names, cycle + 1)],
              within: at(windows, cycle + 1),
            },
          }
        : { 'traits.onboardingCompleted': true, eventCount: { $gte: 20 + cycle } };
  }
}

/** `count` segments: the cycle of kinds repeated with varied parameters (deterministic). */
export function benchSegments(count: number): SegmentDefinition[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be at least 1');
  return Array.from({ length: count }, (_, index) => {
    const kind = at(segmentKinds, index);
    const cycle = Math.floor(index / segmentKinds.length);
    return {
      id: segmentId(index),
      name: `${kind} ${cycle + 1}`,
      condition: conditionOf(kind, index, cycle),
    };
  });
}

/**
 * The segment a back-fill publishes: paying accounts that exported reports at
 * least twice in 30 days (a trait and a windowed count, so it is time-dependent
 * and arms the `$segments` timer). Its window is one the generated set already has.
 */
export function newBackfillSegment(): SegmentDefinition {
  return {
    id: 'exporters-paid',
    name: 'Paying exporters',
    condition: {
      'traits.plan': { $in: ['starter', 'pro', 'enterprise'] },
      $event: { name: 'Report Exported', within: '30d', count: { $gte: 2 } },
    },
  };
}
