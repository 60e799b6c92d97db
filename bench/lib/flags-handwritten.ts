import { bucketFromState, fnv1a32, type JsonValue } from '@onramp/core';
import {
  normalizedStrategyValue,
  normalizedVariantValue,
} from 'unleash-client/lib/strategy/util.js';
import type { BenchUser } from './flags-catalogue.js';

/**
 * How a hand-written flag splits users: Onramp's buckets (GrowthBook's hash v2:
 * the same buckets) or Unleash's MurmurHash3 normalization, so that the same
 * functions check every evaluator.
 */
export interface Bucketing {
  /** For flag `key`: whether `id` is in the first `percent` % of its users. */
  rollout(key: string, percent: number): (id: string) => boolean;
  /** For flag `key`: the index of the share `id` falls in; shares in percent, summing to 100. */
  split(key: string, shares: readonly number[]): (id: string) => number;
}

/** Onramp's: bucket = FNV-1a twice, mod 10 000 (the salt's FNV state computed once). */
export function onrampBucketing(): Bucketing {
  return {
    rollout: (key, percent) => {
      const state = fnv1a32(key);
      const bound = percent * 100;
      return (id) => bucketFromState(state, id) < bound;
    },
    split: (key, shares) => {
      const state = fnv1a32(key);
      const bounds = shares.map((_, i) => shares.slice(0, i + 1).reduce((a, b) => a + b, 0) * 100);
      return (id) => {
        const bucket = bucketFromState(state, id);
        let i = 0;
        while (i < bounds.length - 1 && bucket >= (bounds[i] as number)) i++;
        return i;
      };
    },
  };
}

/** Unleash's: flexibleRollout (groupId = key) and strategy variants with weights summing to 1000. */
export function unleashBucketing(): Bucketing {
  return {
    rollout: (key, percent) => (id) => percent > 0 && normalizedStrategyValue(id, key) <= percent,
    split: (key, shares) => (id) => {
      const target = normalizedVariantValue(id, key, 1000);
      let counter = 0;
      for (let i = 0; i < shares.length; i++) {
        counter += (shares[i] as number) * 10;
        if (counter >= target) return i;
      }
      return shares.length - 1;
    },
  };
}

export type HandwrittenFlag = (user: BenchUser) => JsonValue;

const paid = (plan: string) =>
  plan === 'starter' || plan === 'pro' || plan === 'team' || plan === 'enterprise';
const versionAtLeast = (version: string, major: number, minor: number) => {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
};

/** The 50 flags of flags-catalogue.ts as plain functions, by key (same order). */
export function createHandwrittenFlags(b: Bucketing): Record<string, HandwrittenFlag> {
  const r = {
    'new-checkout': b.rollout('new-checkout', 20),
    'fast-search': b.rollout('fast-search', 50),
    'ai-summaries': b.rollout('ai-summaries', 10),
    'realtime-collab': b.rollout('realtime-collab', 25),
    'mobile-nav': b.rollout('mobile-nav', 75),
    'sidebar-v2': b.rollout('sidebar-v2', 90),
    'smart-onboarding': b.rollout('smart-onboarding', 5),
    'usage-alerts': b.rollout('usage-alerts', 60),
    'collab-cursors': b.rollout('collab-cursors', 50),
  };
  const s = {
    'welcome-copy': b.split('welcome-copy', [50, 50]),
    'checkout-button': b.split('checkout-button', [34, 33, 33]),
    'pricing-page': b.split('pricing-page', [30, 70]),
    'search-ranker': b.split('search-ranker', [80, 20]),
    'editor-font': b.split('editor-font', [40, 60]),
    'trial-days': b.split('trial-days', [10, 90]),
    'discount-percent': b.split('discount-percent', [50, 50]),
    'dashboard-layout': b.split('dashboard-layout', [50, 50]),
  };
  const newCheckout = (u: BenchUser) => r['new-checkout'](u.id);
  const fastSearch = (u: BenchUser) => r['fast-search'](u.id);
  const aiSummaries = (u: BenchUser) => u.plan === 'enterprise' || r['ai-summaries'](u.id);
  const realtimeCollab = (u: BenchUser) => paid(u.plan) && r['realtime-collab'](u.id);
  const enterpriseSso = (u: BenchUser) => u.plan === 'enterprise' && u.companySize >= 200;
  const newEditor = (u: BenchUser) => versionAtLeast(u.appVersion, 2, 0);
  return {
    'dark-mode': () => true,
    'legacy-export': () => false,
    'maintenance-banner': () => false,
    'support-widget': () => 'intercom',
    'old-onboarding': () => 'v1',
    'beta-dashboard': (u) => u.plan === 'pro' || u.plan === 'team',
    'enterprise-sso': enterpriseSso,
    'admin-audit-log': (u) => u.role === 'admin' || u.plan === 'enterprise',
    'eu-cookie-banner': (u) => u.country === 'DE' || u.country === 'FR' || u.country === 'GB',
    'us-tax-wizard': (u) => u.country === 'US' && paid(u.plan),
    'new-editor': newEditor,
    'acme-internal': (u) => u.email.endsWith('@acme.com'),
    'small-team-tips': (u) => u.companySize < 10 && u.plan !== 'enterprise',
    'sales-assist': (u) => (u.companySize >= 500 && u.plan === 'trial') || u.companySize >= 1000,
    'founder-perks': (u) => u.role === 'founder' && u.companySize < 50,
    'api-playground': (u) =>
      (u.role === 'engineer' && versionAtLeast(u.appVersion, 1, 10)) ||
      u.email.endsWith('@acme.com') ||
      (u.plan === 'team' && (u.country === 'JP' || u.country === 'IN')),
    'marketing-insights': (u) => u.role === 'marketer' || u.role === 'product',
    'new-checkout': newCheckout,
    'fast-search': fastSearch,
    'ai-summaries': aiSummaries,
    'realtime-collab': realtimeCollab,
    'mobile-nav': (u) => r['mobile-nav'](u.id),
    'sidebar-v2': (u) =>
      u.email.endsWith('@acme.com') ||
      (versionAtLeast(u.appVersion, 2, 3) && r['sidebar-v2'](u.id)),
    'smart-onboarding': (u) => u.country !== 'CN' && r['smart-onboarding'](u.id),
    'usage-alerts': (u) => u.companySize >= 20 && r['usage-alerts'](u.id),
    'welcome-copy': (u) => {
      if (u.plan === 'trial') return 'Hello there';
      return s['welcome-copy'](u.id) === 0 ? 'Welcome!' : 'Let’s go';
    },
    'checkout-button': (u) =>
      (['Buy now', 'Pay', 'Go'] as const)[s['checkout-button'](u.id)] as string,
    theme: (u) => (u.role === 'engineer' ? 'dark' : newEditor(u) ? 'auto' : 'light'),
    'pricing-page': (u) => {
      if (u.plan === 'enterprise' || u.plan === 'team') return 'annual';
      if (u.companySize < 100) return 'monthly';
      return s['pricing-page'](u.id) === 0 ? 'monthly' : 'annual';
    },
    'onboarding-video': (u) => {
      if (u.plan !== 'trial' && u.plan !== 'free') return '';
      return u.companySize < 50 ? 'short.mp4' : 'long.mp4';
    },
    'locale-banner': (u) =>
      u.country === 'DE' ? 'de' : u.country === 'FR' ? 'fr' : u.country === 'JP' ? 'ja' : 'none',
    'search-ranker': (u) =>
      u.email.endsWith('@acme.com') || s['search-ranker'](u.id) === 1 ? 'hybrid' : 'bm25',
    'upgrade-cta': (u) => (u.plan === 'free' && u.companySize >= 20 ? 'Upgrade now!' : 'Upgrade'),
    'editor-font': (u) =>
      (u.role === 'engineer' || u.role === 'admin') && s['editor-font'](u.id) === 1
        ? 'JetBrains Mono'
        : 'Inter',
    'help-center': (u) => {
      if (u.plan === 'enterprise') return 'call';
      return (u.plan === 'pro' || u.plan === 'team') && u.country !== 'JP' ? 'chat' : 'docs';
    },
    'trial-days': (u) => {
      if (u.companySize >= 200) return 30;
      return s['trial-days'](u.id) === 0 ? 7 : 14;
    },
    'seat-limit': (u) =>
      u.plan === 'enterprise' ? 1000 : u.plan === 'pro' || u.plan === 'team' ? 25 : 5,
    'discount-percent': (u) => {
      if (u.plan !== 'trial') return 0;
      if (u.country === 'IN' || u.country === 'BR') return 20;
      return s['discount-percent'](u.id) === 0 ? 0 : 10;
    },
    'poll-interval': (u) => (versionAtLeast(u.appVersion, 2, 10) ? 5 : 30),
    'export-row-limit': (u) => (paid(u.plan) && u.companySize >= 50 ? 100000 : 1000),
    'checklist-steps': (u) =>
      u.role === 'founder' || u.role === 'admin' ? checklistFull : checklistBasic,
    'dashboard-layout': (u) => (s['dashboard-layout'](u.id) === 0 ? grid : list),
    'rate-limits': (u) => (paid(u.plan) ? paidLimits : freeLimits),
    'tour-config': (u) =>
      u.plan !== 'trial' ? tourOff : u.companySize < 20 ? tourLong : tourShort,
    'checkout-banner': (u) => newCheckout(u),
    'ai-summaries-email': (u) => aiSummaries(u) && (u.role === 'founder' || u.role === 'product'),
    'collab-cursors': (u) => realtimeCollab(u) && r['collab-cursors'](u.id),
    'sso-enforce': (u) => enterpriseSso(u) && u.companySize >= 1000,
    'editor-shortcuts': (u) => newEditor(u),
    'search-suggestions': (u) => fastSearch(u) && u.plan !== 'free',
  };
}

const checklistBasic = { steps: ['profile', 'invite'] };
const checklistFull = { steps: ['profile', 'invite', 'integrate', 'report'] };
const grid = { columns: 3, dense: false };
const list = { columns: 1, dense: true };
const freeLimits = { rpm: 60, burst: 10 };
const paidLimits = { rpm: 600, burst: 100 };
const tourOff = { enabled: false };
const tourShort = { enabled: true, steps: 3 };
const tourLong = { enabled: true, steps: 8 };
