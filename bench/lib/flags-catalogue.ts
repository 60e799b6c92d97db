import type { FlagType, JsonValue } from '@onramp/core';
import { seededRandom } from './ingest-bodies.js';

/**
 * The 50 flags of the flags benchmark, in a small neutral form that
 * flags-peers.ts writes for Onramp, GrowthBook and Unleash, and that
 * flags-handwritten.ts writes by hand. Only what all three can say: boolean flags
 * whose rules turn them on (default off, or static), multi-variant flags whose rules
 * serve one variant or split everyone, one level of prerequisites, kill switches.
 */

/** One user's attributes (GrowthBook's attributes, Unleash's properties, Onramp's traits). */
export interface BenchUser {
  id: string;
  plan: string;
  role: string;
  country: string;
  companySize: number;
  appVersion: string;
  email: string;
}

export type Attribute = Exclude<keyof BenchUser, 'id'>;

/** A test of one attribute. */
export type Atom =
  | { attr: Attribute; op: 'in' | 'nin'; values: string[] }
  | { attr: 'companySize'; op: 'gte' | 'lt'; value: number }
  | { attr: 'appVersion'; op: 'vgte'; value: string }
  | { attr: 'email'; op: 'endsWith'; value: string };

export interface BenchRule {
  /** All must hold (none: everyone). */
  when: Atom[];
  /** A variant, a partial rollout of one variant (integer percent), or a split summing to 100. */
  serve:
    | { variant: string }
    | { rollout: { variant: string; percent: number } }
    | { split: { variant: string; percent: number }[] };
}

export interface BenchFlag {
  key: string;
  type: FlagType;
  variants: Record<string, JsonValue>;
  defaultVariant: string;
  /** The kill switch (default true); a disabled flag serves its default variant's "off" twin. */
  enabled?: boolean;
  offVariant?: string;
  /** A boolean flag without prerequisites that must be on. */
  prerequisite?: string;
  rules: BenchRule[];
}

const is = (attr: Attribute, ...values: string[]): Atom => ({ attr, op: 'in', values });
const not = (attr: Attribute, ...values: string[]): Atom => ({ attr, op: 'nin', values });
const atLeast = (value: number): Atom => ({ attr: 'companySize', op: 'gte', value });
const below = (value: number): Atom => ({ attr: 'companySize', op: 'lt', value });
const fromVersion = (value: string): Atom => ({ attr: 'appVersion', op: 'vgte', value });
const emailAt = (value: string): Atom => ({ attr: 'email', op: 'endsWith', value });
const on = { variant: 'on' };
const rollout = (percent: number) => ({ rollout: { variant: 'on', percent } });
const split = (...shares: [string, number][]) => ({
  split: shares.map(([variant, percent]) => ({ variant, percent })),
});
const onOff = { on: true, off: false };

function boolean(key: string, rules: BenchRule[], extra: Partial<BenchFlag> = {}): BenchFlag {
  return { key, type: 'boolean', variants: onOff, defaultVariant: 'off', rules, ...extra };
}

function multi(
  key: string,
  type: FlagType,
  variants: Record<string, JsonValue>,
  defaultVariant: string,
  rules: BenchRule[],
): BenchFlag {
  return { key, type, variants, defaultVariant, rules };
}

const paid = ['starter', 'pro', 'team', 'enterprise'];

export const benchFlags: readonly BenchFlag[] = [
  // Static flags and kill switches.
  boolean('dark-mode', [], { defaultVariant: 'on' }),
  boolean('legacy-export', [], { defaultVariant: 'on', offVariant: 'off', enabled: false }),
  boolean('maintenance-banner', []),
  multi('support-widget', 'string', { intercom: 'intercom', crisp: 'crisp' }, 'intercom', []),
  { ...multi('old-onboarding', 'string', { v1: 'v1', v2: 'v2' }, 'v1', []), enabled: false },
  // Boolean targeting.
  boolean('beta-dashboard', [{ when: [is('plan', 'pro', 'team')], serve: on }]),
  boolean('enterprise-sso', [{ when: [is('plan', 'enterprise'), atLeast(200)], serve: on }]),
  boolean('admin-audit-log', [
    { when: [is('role', 'admin')], serve: on },
    { when: [is('plan', 'enterprise')], serve: on },
  ]),
  boolean('eu-cookie-banner', [{ when: [is('country', 'DE', 'FR', 'GB')], serve: on }]),
  boolean('us-tax-wizard', [{ when: [is('country', 'US'), is('plan', ...paid)], serve: on }]),
  boolean('new-editor', [{ when: [fromVersion('2.0.0')], serve: on }]),
  boolean('acme-internal', [{ when: [emailAt('@acme.com')], serve: on }]),
  boolean('small-team-tips', [{ when: [below(10), not('plan', 'enterprise')], serve: on }]),
  boolean('sales-assist', [
    { when: [atLeast(500), is('plan', 'trial')], serve: on },
    { when: [atLeast(1000)], serve: on },
  ]),
  boolean('founder-perks', [{ when: [is('role', 'founder'), below(50)], serve: on }]),
  boolean('api-playground', [
    { when: [is('role', 'engineer'), fromVersion('1.10.0')], serve: on },
    { when: [emailAt('@acme.com')], serve: on },
    { when: [is('plan', 'team'), is('country', 'JP', 'IN')], serve: on },
  ]),
  boolean('marketing-insights', [{ when: [is('role', 'marketer', 'product')], serve: on }]),
  // Boolean rollouts (percent of users), some after targeting.
  boolean('new-checkout', [{ when: [], serve: rollout(20) }]),
  boolean('fast-search', [{ when: [], serve: rollout(50) }]),
  boolean('ai-summaries', [
    { when: [is('plan', 'enterprise')], serve: on },
    { when: [], serve: rollout(10) },
  ]),
  boolean('realtime-collab', [{ when: [is('plan', ...paid)], serve: rollout(25) }]),
  boolean('mobile-nav', [{ when: [], serve: rollout(75) }]),
  boolean('sidebar-v2', [
    { when: [emailAt('@acme.com')], serve: on },
    { when: [fromVersion('2.3.0')], serve: rollout(90) },
  ]),
  boolean('smart-onboarding', [{ when: [not('country', 'CN')], serve: rollout(5) }]),
  boolean('usage-alerts', [{ when: [atLeast(20)], serve: rollout(60) }]),
  // String flags: targeted variants and splits.
  multi('welcome-copy', 'string', { a: 'Welcome!', b: 'Hello there', c: 'Let’s go' }, 'a', [
    { when: [is('plan', 'trial')], serve: { variant: 'b' } },
    { when: [], serve: split(['a', 50], ['c', 50]) },
  ]),
  multi('checkout-button', 'string', { buy: 'Buy now', pay: 'Pay', go: 'Go' }, 'buy', [
    { when: [], serve: split(['buy', 34], ['pay', 33], ['go', 33]) },
  ]),
  multi('theme', 'string', { light: 'light', dark: 'dark', auto: 'auto' }, 'light', [
    { when: [is('role', 'engineer')], serve: { variant: 'dark' } },
    { when: [fromVersion('2.0.0')], serve: { variant: 'auto' } },
  ]),
  multi('pricing-page', 'string', { monthly: 'monthly', annual: 'annual' }, 'monthly', [
    { when: [is('plan', 'enterprise', 'team')], serve: { variant: 'annual' } },
    { when: [atLeast(100)], serve: split(['monthly', 30], ['annual', 70]) },
  ]),
  multi('onboarding-video', 'string', { none: '', short: 'short.mp4', long: 'long.mp4' }, 'none', [
    { when: [is('plan', 'trial', 'free'), below(50)], serve: { variant: 'short' } },
    { when: [is('plan', 'trial', 'free')], serve: { variant: 'long' } },
  ]),
  multi('locale-banner', 'string', { off: 'none', de: 'de', fr: 'fr', jp: 'ja' }, 'off', [
    { when: [is('country', 'DE')], serve: { variant: 'de' } },
    { when: [is('country', 'FR')], serve: { variant: 'fr' } },
    { when: [is('country', 'JP')], serve: { variant: 'jp' } },
  ]),
  multi('search-ranker', 'string', { bm25: 'bm25', hybrid: 'hybrid' }, 'bm25', [
    { when: [emailAt('@acme.com')], serve: { variant: 'hybrid' } },
    { when: [], serve: split(['bm25', 80], ['hybrid', 20]) },
  ]),
  multi('upgrade-cta', 'string', { soft: 'Upgrade', hard: 'Upgrade now!' }, 'soft', [
    { when: [is('plan', 'free'), atLeast(20)], serve: { variant: 'hard' } },
  ]),
  multi('editor-font', 'string', { sans: 'Inter', mono: 'JetBrains Mono' }, 'sans', [
    { when: [is('role', 'engineer', 'admin')], serve: split(['sans', 40], ['mono', 60]) },
  ]),
  multi('help-center', 'string', { docs: 'docs', chat: 'chat', call: 'call' }, 'docs', [
    { when: [is('plan', 'enterprise')], serve: { variant: 'call' } },
    { when: [is('plan', 'pro', 'team'), not('country', 'JP')], serve: { variant: 'chat' } },
  ]),
  // Number flags.
  multi('trial-days', 'number', { short: 7, standard: 14, long: 30 }, 'standard', [
    { when: [atLeast(200)], serve: { variant: 'long' } },
    { when: [], serve: split(['short', 10], ['standard', 90]) },
  ]),
  multi('seat-limit', 'number', { small: 5, medium: 25, large: 1000 }, 'small', [
    { when: [is('plan', 'enterprise')], serve: { variant: 'large' } },
    { when: [is('plan', 'pro', 'team')], serve: { variant: 'medium' } },
  ]),
  multi('discount-percent', 'number', { none: 0, ten: 10, twenty: 20 }, 'none', [
    { when: [is('plan', 'trial'), is('country', 'IN', 'BR')], serve: { variant: 'twenty' } },
    { when: [is('plan', 'trial')], serve: split(['none', 50], ['ten', 50]) },
  ]),
  multi('poll-interval', 'number', { fast: 5, normal: 30 }, 'normal', [
    { when: [fromVersion('2.10.0')], serve: { variant: 'fast' } },
  ]),
  multi('export-row-limit', 'number', { low: 1000, high: 100000 }, 'low', [
    { when: [is('plan', ...paid), atLeast(50)], serve: { variant: 'high' } },
  ]),
  // JSON flags.
  multi(
    'checklist-steps',
    'json',
    {
      basic: { steps: ['profile', 'invite'] },
      full: { steps: ['profile', 'invite', 'integrate', 'report'] },
    },
    'basic',
    [{ when: [is('role', 'founder', 'admin')], serve: { variant: 'full' } }],
  ),
  multi(
    'dashboard-layout',
    'json',
    { grid: { columns: 3, dense: false }, list: { columns: 1, dense: true } },
    'grid',
    [{ when: [], serve: split(['grid', 50], ['list', 50]) }],
  ),
  multi(
    'rate-limits',
    'json',
    { free: { rpm: 60, burst: 10 }, paid: { rpm: 600, burst: 100 } },
    'free',
    [{ when: [is('plan', ...paid)], serve: { variant: 'paid' } }],
  ),
  multi(
    'tour-config',
    'json',
    {
      off: { enabled: false },
      short: { enabled: true, steps: 3 },
      long: { enabled: true, steps: 8 },
    },
    'off',
    [
      { when: [is('plan', 'trial'), below(20)], serve: { variant: 'long' } },
      { when: [is('plan', 'trial')], serve: { variant: 'short' } },
    ],
  ),
  // Prerequisites: served only while the parent flag is on.
  boolean('checkout-banner', [], {
    defaultVariant: 'on',
    offVariant: 'off',
    prerequisite: 'new-checkout',
  }),
  boolean('ai-summaries-email', [{ when: [is('role', 'founder', 'product')], serve: on }], {
    offVariant: 'off',
    prerequisite: 'ai-summaries',
  }),
  boolean('collab-cursors', [{ when: [], serve: rollout(50) }], {
    offVariant: 'off',
    prerequisite: 'realtime-collab',
  }),
  boolean('sso-enforce', [{ when: [atLeast(1000)], serve: on }], {
    offVariant: 'off',
    prerequisite: 'enterprise-sso',
  }),
  boolean('editor-shortcuts', [], {
    defaultVariant: 'on',
    offVariant: 'off',
    prerequisite: 'new-editor',
  }),
  boolean('search-suggestions', [{ when: [not('plan', 'free')], serve: on }], {
    offVariant: 'off',
    prerequisite: 'fast-search',
  }),
];

const plans = [
  'free',
  'free',
  'trial',
  'trial',
  'trial',
  'starter',
  'pro',
  'pro',
  'team',
  'enterprise',
];
const roles = ['founder', 'engineer', 'engineer', 'marketer', 'product', 'sales', 'admin'];
const countries = ['US', 'US', 'US', 'DE', 'FR', 'GB', 'IN', 'JP', 'BR', 'CA'];
const versions = ['1.8.0', '1.9.4', '1.10.2', '2.0.0', '2.3.1', '2.10.0'];
const domains = ['acme.com', 'gmail.com', 'gmail.com', 'example.org', 'globex.io', 'outlook.com'];

/** `count` deterministic users (the same for the same seed). */
export function generateBenchUsers(count: number, seed = 7): BenchUser[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: count }, (_, i) => ({
    id: `user-${i}`,
    plan: pick(plans),
    role: pick(roles),
    country: pick(countries),
    companySize: Math.max(1, Math.round(Math.exp(random() * Math.log(3000)))),
    appVersion: pick(versions),
    email: `person${i}@${pick(domains)}`,
  }));
}
