/**
 * Flags the server's flag tests publish (not used by the server itself). Buckets of the
 * rollout: spec/flags/hashing.json ("new-checkout": user-2 → 109, user-1 → 2090).
 */
export const testFlags = [
  {
    key: 'welcome-copy',
    type: 'string',
    variants: { standard: 'Welcome!', pro: 'Welcome back!', fr: 'Bienvenue !' },
    defaultVariant: 'standard',
    metadata: { owner: 'growth' },
    rules: [
      { when: { 'traits.plan': 'pro' }, variant: 'pro' },
      { when: { 'context.country': 'FR' }, variant: 'fr' },
    ],
  },
  {
    key: 'new-checkout',
    type: 'boolean',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    rules: [{ rollout: [{ variant: 'on', weight: 20 }] }],
  },
  {
    key: 'checkout-banner',
    type: 'boolean',
    variants: { shown: true, hidden: false },
    defaultVariant: 'shown',
    offVariant: 'hidden',
    prerequisites: [{ flag: 'new-checkout', variants: ['on'] }],
  },
  {
    key: 'max-projects',
    type: 'number',
    variants: { few: 3, many: 50 },
    defaultVariant: 'few',
    rules: [{ when: { 'traits.plan': { $in: ['pro', 'team'] } }, variant: 'many' }],
  },
  {
    key: 'onboarding-layout',
    type: 'json',
    variants: { list: { columns: 1 }, grid: { columns: 3 } },
    defaultVariant: 'list',
    rules: [{ when: { 'context.device': 'desktop' }, variant: 'grid' }],
  },
];
