import type { ProfilePlan, ProfileState } from '@onramp/core';
import { engagementScore, eventWindowCount, parseDuration } from '@onramp/core';
import { compareVersions } from './rule-terms.js';

/** A rule as a developer would write it against ProfileState: the practical speed limit. */
export type HandwrittenRule = (profile: ProfileState, now: number) => boolean;

const hour = 3_600_000;
const day = 24 * hour;
const webmail = /@(gmail|yahoo|outlook)\.com$/;

/**
 * The 50 onboarding rules of onboarding-rules.ts as plain functions, by rule id.
 * They read the profile through the core's public accessors (eventWindowCount,
 * engagementScore), with the window indexes looked up once, as a developer would.
 */
export function createHandwrittenRules(plan: ProfilePlan): Record<string, HandwrittenRule> {
  const { windows, engagement: engagementPlan } = plan;
  const windowIndex = (label: string) => {
    const ms = parseDuration(label);
    const index = windows.windows.findIndex((window) => window.ms === ms);
    if (index < 0) throw new Error(`window ${label} is not in the profile plan`);
    return index;
  };
  const [h1, h24, d3, d7, d14, d30] = ['1h', '24h', '3d', '7d', '14d', '30d'].map(windowIndex) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const count = (p: ProfileState, name: string, index: number, now: number) =>
    eventWindowCount(p, name, windows, index, now);
  const engagement = (p: ProfileState, now: number) =>
    engagementScore(p, engagementPlan, windows, now);
  const size = (p: ProfileState) => {
    const value = p.traits.companySize;
    return typeof value === 'number' ? value : undefined;
  };
  const tags = (p: ProfileState) => {
    const value = p.traits.tags;
    return Array.isArray(value) ? value : undefined;
  };
  const email = (p: ProfileState) => {
    const value = p.traits.email;
    return typeof value === 'string' ? value : undefined;
  };
  const version = (p: ProfileState) => {
    const value = p.traits.appVersion;
    return typeof value === 'string' ? value : undefined;
  };
  const analytics = (p: ProfileState) => p.consent?.categories.analytics;
  const plan_ = (p: ProfileState) => p.traits.plan;

  return {
    'trial-welcome': (p) => plan_(p) === 'trial' && p.sessions.count <= 1,
    'trial-activated': (p, now) => plan_(p) === 'trial' && count(p, 'Feature Used', d7, now) >= 3,
    'trial-stalled': (p, now) => plan_(p) === 'trial' && now - p.lastSeen >= 3 * day,
    'pro-power-user': (p, now) => {
      const plan = plan_(p);
      return (plan === 'pro' || plan === 'enterprise') && count(p, 'Feature Used', d7, now) >= 10;
    },
    'invite-team-nudge': (p, now) =>
      (size(p) ?? 0) >= 10 &&
      count(p, 'Teammate Invited', d30, now) === 0 &&
      count(p, 'Project Created', d30, now) >= 1,
    'first-project-prompt': (p, now) =>
      count(p, 'Project Created', d30, now) === 0 && p.sessions.count >= 2,
    'founder-tour': (p, now) => p.traits.role === 'founder' && now - p.firstSeen <= 7 * day,
    'engineer-api-docs': (p, now) =>
      p.traits.role === 'engineer' && count(p, 'Integration Connected', d30, now) === 0,
    'marketer-campaign-tips': (p) =>
      p.traits.role === 'marketer' && p.lastTouch?.utmSource !== undefined,
    'enterprise-contact-sales': (p) => (size(p) ?? 0) >= 500 && plan_(p) !== 'enterprise',
    'small-team-starter': (p) => {
      const value = size(p);
      return value !== undefined && value >= 1 && value < 10;
    },
    'upgrade-intent': (p, now) => {
      const plan = plan_(p);
      return count(p, 'Pricing Viewed', d3, now) >= 2 && (plan === 'free' || plan === 'trial');
    },
    'upgrade-followup': (p, now) => count(p, 'Upgrade Clicked', d7, now) >= 1 && plan_(p) !== 'pro',
    'error-help': (p, now) => count(p, 'Error Shown', h1, now) >= 3,
    'mobile-app-promo': (p) => p.lastTouch?.device === 'mobile' && p.sessions.count >= 3,
    'webmail-free': (p) => {
      const address = email(p);
      return address !== undefined && webmail.test(address) && plan_(p) === 'free';
    },
    'work-email-trial': (p) => {
      const address = email(p);
      return address !== undefined && !webmail.test(address) && plan_(p) === 'trial';
    },
    'newsletter-optin': (p) => p.consent?.categories.marketing === true && plan_(p) !== undefined,
    'ask-analytics-consent': (p) => analytics(p) === undefined && p.sessions.count >= 2,
    'analytics-declined': (p) => analytics(p) === false,
    'google-ads-trial': (p) => p.lastTouch?.utmSource === 'google' && plan_(p) === 'trial',
    'campaign-followup': (p) => {
      const campaign = p.firstTouch?.utmCampaign;
      return campaign === 'spring-launch' || campaign === 'webinar-2024';
    },
    'partner-welcome': (p) =>
      (p.firstTouch?.referrer?.includes('partner') ?? false) ||
      p.lastTouch?.utmSource === 'partner',
    'engaged-free': (p, now) => plan_(p) === 'free' && engagement(p, now) >= 40,
    'disengaged-paid': (p, now) => {
      const plan = plan_(p);
      return (plan === 'starter' || plan === 'pro') && engagement(p, now) < 10;
    },
    'highly-engaged': (p, now) => engagement(p, now) >= 70,
    'onboarding-in-progress': (p, now) => {
      if (p.traits.onboardingCompleted === true) return false;
      const steps = count(p, 'Onboarding Step Completed', d14, now);
      return steps >= 1 && steps < 5;
    },
    'onboarding-celebrate': (p, now) =>
      count(p, 'Onboarding Step Completed', d14, now) >= 5 && p.traits.onboardingCompleted !== true,
    'beta-early-adopter': (p) => {
      const list = tags(p);
      return list !== undefined && list.includes('beta') && list.includes('early-adopter');
    },
    'well-tagged': (p) => (tags(p)?.length ?? 0) >= 2,
    'churn-risk-tagged': (p) =>
      tags(p)?.some((tag) => tag === 'churn-risk' || tag === 'at-risk') ?? false,
    'whats-new-v2': (p) => {
      const value = version(p);
      return value !== undefined && compareVersions(value, '2.0.0') >= 0 && p.sessions.count >= 2;
    },
    'update-app': (p) => {
      const value = version(p);
      return value !== undefined && compareVersions(value, '2.0.0') < 0;
    },
    'dormant-week': (p, now) => now - p.lastSeen >= 7 * day && plan_(p) !== undefined,
    'returning-regular': (p, now) => p.sessions.count >= 5 && now - p.lastSeen < day,
    'browsing-spree': (p, now) => count(p, '$page', h1, now) >= 5,
    'daily-active': (p, now) =>
      count(p, '$page', h24, now) >= 3 && count(p, 'Feature Used', h24, now) >= 1,
    'report-fan': (p, now) => count(p, 'Report Exported', d7, now) >= 2,
    'first-report-prompt': (p, now) =>
      count(p, 'Report Exported', d7, now) === 0 && count(p, 'Project Created', d30, now) >= 2,
    'integration-champion': (p, now) => count(p, 'Integration Connected', d30, now) >= 2,
    'team-expansion': (p, now) => {
      const plan = plan_(p);
      return count(p, 'Teammate Invited', d30, now) >= 3 && (plan === 'starter' || plan === 'pro');
    },
    'solo-in-company': (p, now) =>
      count(p, 'Teammate Invited', d30, now) === 0 && (size(p) ?? 0) >= 2 && p.sessions.count >= 4,
    'gdpr-consent-banner': (p) => {
      const country = p.traits.country;
      return (
        (country === 'DE' || country === 'FR' || country === 'GB') && analytics(p) === undefined
      );
    },
    'apac-webinar': (p) => {
      const country = p.traits.country;
      return country === 'JP' || country === 'IN' || country === 'AU';
    },
    'us-enterprise': (p) => p.traits.country === 'US' && (size(p) ?? 0) >= 1000,
    'firefox-extension': (p) => p.lastTouch?.browser === 'Firefox',
    'heavy-user': (p) => p.eventCount >= 60,
    'light-touch': (p) => p.eventCount < 15,
    'veteran-active': (p, now) =>
      (count(p, 'Feature Used', d7, now) >= 1 ||
        count(p, 'Teammate Invited', d30, now) >= 1 ||
        count(p, 'Project Created', d30, now) >= 1) &&
      now - p.firstSeen >= 14 * day,
    'paid-active': (p, now) => {
      const plan = plan_(p);
      return (
        plan !== undefined &&
        plan !== 'free' &&
        plan !== 'trial' &&
        count(p, 'Feature Used', d7, now) >= 5
      );
    },
  };
}
