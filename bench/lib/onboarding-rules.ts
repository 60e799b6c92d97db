import type { JsonValue, ProfilePlan, ProfileState } from '@onramp/core';
import { engagementScore, eventWindowCount, parseDuration } from '@onramp/core';
import {
  and,
  elapsedAttribute,
  eventCountAttribute,
  hasAll,
  hasAny,
  is,
  not,
  or,
  pathAttribute,
  sizeAtLeast,
  type Attribute,
  type AttributeReader,
  type RuleForms,
} from './rule-terms.js';

/**
 * The rules benchmark's 50-rule onboarding rule set: targeting on traits,
 * consent and touches, engagement, sessions, and behavioural counts over
 * windows, each rule in Onramp's condition language and in the peers'
 * languages (rule-terms.ts). handwritten-rules.ts has the same rules as plain
 * functions.
 */
export interface OnboardingRule {
  id: string;
  forms: RuleForms;
}

/** Windows the conditions use beyond the default profile windows (1h, 24h, 7d, 30d). */
export const extraWindows = ['3d', '14d'] as const;

const trait = (key: string) =>
  pathAttribute(key, `traits.${key}`, (profile) => profile.traits[key]);
const consent = (key: string, category: string) =>
  pathAttribute(key, `consent.${category}`, (profile) => profile.consent?.categories[category]);

export const attributes = {
  plan: trait('plan'),
  role: trait('role'),
  companySize: trait('companySize'),
  country: trait('country'),
  email: trait('email'),
  appVersion: trait('appVersion'),
  tags: trait('tags'),
  onboardingCompleted: trait('onboardingCompleted'),
  consentAnalytics: consent('consentAnalytics', 'analytics'),
  consentMarketing: consent('consentMarketing', 'marketing'),
  utmSource: pathAttribute('utmSource', 'lastTouch.utmSource', (p) => p.lastTouch?.utmSource),
  firstCampaign: pathAttribute(
    'firstCampaign',
    'firstTouch.utmCampaign',
    (p) => p.firstTouch?.utmCampaign,
  ),
  firstReferrer: pathAttribute(
    'firstReferrer',
    'firstTouch.referrer',
    (p) => p.firstTouch?.referrer,
  ),
  device: pathAttribute('device', 'lastTouch.device', (p) => p.lastTouch?.device),
  browser: pathAttribute('browser', 'lastTouch.browser', (p) => p.lastTouch?.browser),
  sessions: pathAttribute('sessions', 'sessions.count', (p) => p.sessions.count),
  eventCount: pathAttribute('eventCount', 'eventCount', (p) => p.eventCount),
  engagement: pathAttribute('engagement', 'engagement', (p, reader) => reader.engagement(p)),
  sinceLastSeen: elapsedAttribute('msSinceLastSeen', 'lastSeen'),
  sinceFirstSeen: elapsedAttribute('msSinceFirstSeen', 'firstSeen'),
  featureUsed24h: eventCountAttribute('featureUsed24h', 'Feature Used', '24h'),
  featureUsed7d: eventCountAttribute('featureUsed7d', 'Feature Used', '7d'),
  projects30d: eventCountAttribute('projectsCreated30d', 'Project Created', '30d'),
  invites30d: eventCountAttribute('teammatesInvited30d', 'Teammate Invited', '30d'),
  reports7d: eventCountAttribute('reportsExported7d', 'Report Exported', '7d'),
  pages1h: eventCountAttribute('pageViews1h', '$page', '1h'),
  pages24h: eventCountAttribute('pageViews24h', '$page', '24h'),
  steps14d: eventCountAttribute('stepsCompleted14d', 'Onboarding Step Completed', '14d'),
  integrations30d: eventCountAttribute('integrations30d', 'Integration Connected', '30d'),
  pricing3d: eventCountAttribute('pricingViewed3d', 'Pricing Viewed', '3d'),
  errors1h: eventCountAttribute('errorsShown1h', 'Error Shown', '1h'),
  upgrades7d: eventCountAttribute('upgradeClicks7d', 'Upgrade Clicked', '7d'),
} satisfies Record<string, Attribute>;

/** Engagement weights of the benchmark's profile settings. */
export const engagementWeights = {
  'Feature Used': 2,
  'Project Created': 5,
  'Teammate Invited': 8,
  'Report Exported': 3,
  'Integration Connected': 10,
};

const a = attributes;
const rule = (id: string, forms: RuleForms): OnboardingRule => ({ id, forms });
const freeOrTrial = ['free', 'trial'];
const paid = ['starter', 'pro'];
const emailRegex = '@(gmail|yahoo|outlook)\\.com$';

export const onboardingRules: readonly OnboardingRule[] = [
  rule('trial-welcome', and(is(a.plan, { $eq: 'trial' }), is(a.sessions, { $lte: 1 }))),
  rule('trial-activated', and(is(a.plan, { $eq: 'trial' }), is(a.featureUsed7d, { $gte: 3 }))),
  rule('trial-stalled', and(is(a.plan, { $eq: 'trial' }), is(a.sinceLastSeen, { $gte: '3d' }))),
  rule(
    'pro-power-user',
    and(is(a.plan, { $in: ['pro', 'enterprise'] }), is(a.featureUsed7d, { $gte: 10 })),
  ),
  rule(
    'invite-team-nudge',
    and(
      is(a.companySize, { $gte: 10 }),
      is(a.invites30d, { $eq: 0 }),
      is(a.projects30d, { $gte: 1 }),
    ),
  ),
  rule('first-project-prompt', and(is(a.projects30d, { $eq: 0 }), is(a.sessions, { $gte: 2 }))),
  rule('founder-tour', and(is(a.role, { $eq: 'founder' }), is(a.sinceFirstSeen, { $lte: '7d' }))),
  rule(
    'engineer-api-docs',
    and(is(a.role, { $eq: 'engineer' }), is(a.integrations30d, { $eq: 0 })),
  ),
  rule(
    'marketer-campaign-tips',
    and(is(a.role, { $eq: 'marketer' }), is(a.utmSource, { $exists: true })),
  ),
  rule(
    'enterprise-contact-sales',
    and(is(a.companySize, { $gte: 500 }), is(a.plan, { $nin: ['enterprise'] })),
  ),
  rule('small-team-starter', is(a.companySize, { $gte: 1, $lt: 10 })),
  rule('upgrade-intent', and(is(a.pricing3d, { $gte: 2 }), is(a.plan, { $in: freeOrTrial }))),
  rule('upgrade-followup', and(is(a.upgrades7d, { $gte: 1 }), is(a.plan, { $ne: 'pro' }))),
  rule('error-help', is(a.errors1h, { $gte: 3 })),
  rule('mobile-app-promo', and(is(a.device, { $eq: 'mobile' }), is(a.sessions, { $gte: 3 }))),
  rule('webmail-free', and(is(a.email, { $regex: emailRegex }), is(a.plan, { $eq: 'free' }))),
  rule(
    'work-email-trial',
    and(
      is(a.email, { $exists: true }),
      not(is(a.email, { $regex: emailRegex })),
      is(a.plan, { $eq: 'trial' }),
    ),
  ),
  rule(
    'newsletter-optin',
    and(is(a.consentMarketing, { $eq: true }), is(a.plan, { $exists: true })),
  ),
  rule(
    'ask-analytics-consent',
    and(is(a.consentAnalytics, { $exists: false }), is(a.sessions, { $gte: 2 })),
  ),
  rule('analytics-declined', is(a.consentAnalytics, { $eq: false })),
  rule('google-ads-trial', and(is(a.utmSource, { $eq: 'google' }), is(a.plan, { $eq: 'trial' }))),
  rule('campaign-followup', is(a.firstCampaign, { $in: ['spring-launch', 'webinar-2024'] })),
  rule(
    'partner-welcome',
    or(is(a.firstReferrer, { $regex: 'partner' }), is(a.utmSource, { $eq: 'partner' })),
  ),
  rule('engaged-free', and(is(a.plan, { $eq: 'free' }), is(a.engagement, { $gte: 40 }))),
  rule('disengaged-paid', and(is(a.plan, { $in: paid }), is(a.engagement, { $lt: 10 }))),
  rule('highly-engaged', is(a.engagement, { $gte: 70 })),
  rule(
    'onboarding-in-progress',
    and(is(a.onboardingCompleted, { $ne: true }), is(a.steps14d, { $gte: 1, $lt: 5 })),
  ),
  rule(
    'onboarding-celebrate',
    and(is(a.steps14d, { $gte: 5 }), is(a.onboardingCompleted, { $ne: true })),
  ),
  rule('beta-early-adopter', hasAll(a.tags, ['beta', 'early-adopter'])),
  rule('well-tagged', sizeAtLeast(a.tags, 2)),
  rule('churn-risk-tagged', hasAny(a.tags, ['churn-risk', 'at-risk'])),
  rule('whats-new-v2', and(is(a.appVersion, { $vgte: '2.0.0' }), is(a.sessions, { $gte: 2 }))),
  rule('update-app', is(a.appVersion, { $exists: true, $vlt: '2.0.0' })),
  rule('dormant-week', and(is(a.sinceLastSeen, { $gte: '7d' }), is(a.plan, { $exists: true }))),
  rule('returning-regular', and(is(a.sessions, { $gte: 5 }), is(a.sinceLastSeen, { $lt: '1d' }))),
  rule('browsing-spree', is(a.pages1h, { $gte: 5 })),
  rule('daily-active', and(is(a.pages24h, { $gte: 3 }), is(a.featureUsed24h, { $gte: 1 }))),
  rule('report-fan', is(a.reports7d, { $gte: 2 })),
  rule('first-report-prompt', and(is(a.reports7d, { $eq: 0 }), is(a.projects30d, { $gte: 2 }))),
  rule('integration-champion', is(a.integrations30d, { $gte: 2 })),
  rule('team-expansion', and(is(a.invites30d, { $gte: 3 }), is(a.plan, { $in: paid }))),
  rule(
    'solo-in-company',
    and(is(a.invites30d, { $eq: 0 }), is(a.companySize, { $gte: 2 }), is(a.sessions, { $gte: 4 })),
  ),
  rule(
    'gdpr-consent-banner',
    and(is(a.country, { $in: ['DE', 'FR', 'GB'] }), is(a.consentAnalytics, { $exists: false })),
  ),
  rule('apac-webinar', is(a.country, { $in: ['JP', 'IN', 'AU'] })),
  rule('us-enterprise', and(is(a.country, { $eq: 'US' }), is(a.companySize, { $gte: 1000 }))),
  rule('firefox-extension', is(a.browser, { $eq: 'Firefox' })),
  rule('heavy-user', is(a.eventCount, { $gte: 60 })),
  rule('light-touch', is(a.eventCount, { $lt: 15 })),
  rule(
    'veteran-active',
    and(
      or(
        is(a.featureUsed7d, { $gte: 1 }),
        is(a.invites30d, { $gte: 1 }),
        is(a.projects30d, { $gte: 1 }),
      ),
      is(a.sinceFirstSeen, { $gte: '14d' }),
    ),
  ),
  rule(
    'paid-active',
    and(
      is(a.plan, { $exists: true }),
      not(is(a.plan, { $in: freeOrTrial })),
      is(a.featureUsed7d, { $gte: 5 }),
    ),
  ),
];

/** Reads attributes through the core's public accessors, with the plan's window indexes found once. */
export function createAttributeReader(plan: ProfilePlan, now: number): AttributeReader {
  const indexes = new Map<string, number>();
  for (const [index, window] of plan.windows.windows.entries()) indexes.set(window.label, index);
  const indexOf = (within: string) => {
    let index = indexes.get(within);
    if (index === undefined) {
      const ms = parseDuration(within);
      index = plan.windows.windows.findIndex((window) => window.ms === ms);
      if (index < 0) throw new Error(`window ${within} is not in the profile plan`);
      indexes.set(within, index);
    }
    return index;
  };
  return {
    now,
    count: (profile, name, within) =>
      eventWindowCount(profile, name, plan.windows, indexOf(within), now),
    engagement: (profile) => engagementScore(profile, plan.engagement, plan.windows, now),
  };
}

/** The peers' input: every attribute the rules read, absent ones left out. */
export function flattenProfile(
  profile: ProfileState,
  reader: AttributeReader,
): Record<string, JsonValue> {
  const flat: Record<string, JsonValue> = {};
  for (const attribute of Object.values(attributes) as Attribute[]) {
    const value = attribute.read(profile, reader);
    if (value !== undefined) flat[attribute.key] = value;
  }
  return flat;
}
