import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEvent } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { compileConfig, profileWith, trackEvent } from '../rules/rule-fixtures.js';
import { runRulesForEvent, runRulesForSegmentChange } from '../rules/run-rules.js';
import { applyInteraction } from './interactions.js';
import { decide } from './decide.js';
import type { DecideRequest } from './decision.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const HOUR = 3_600_000;

const content = [
  {
    id: 'welcome',
    type: 'banner',
    fields: { title: 'Welcome, {{ traits.first_name | default: "there" }}!', body: 'Hi' },
    locales: { fr: { title: 'Bienvenue, {{ traits.first_name | default: "vous" }} !' } },
  },
  {
    id: 'promo',
    type: 'banner',
    fields: { title: 'Hello {{ traits.first_name }}', body: 'Get {{ variables.reward }}' },
    fallback: { title: 'Hello', body: 'A gift awaits' },
    variants: [{ id: 'b', fields: { title: 'Hey {{ traits.first_name }}' } }],
  },
  { id: 'strict', type: 'banner', fields: { title: '{{ traits.company.name }}' } },
  { id: 'tip', type: 'tooltip', fields: { target: '#new', body: 'Create it here' } },
  { id: 'list', type: 'checklist', flow: 'start', fields: { title: 'Get started' } },
];
const placements = [
  { id: 'banner', default: 'welcome', types: ['banner'] },
  { id: 'sidebar' },
  { id: 'checklist', default: 'list' },
];
const flows = [
  {
    id: 'start',
    placement: 'sidebar',
    steps: [
      { id: 'create', title: 'Create a project', content: 'tip', completion: { event: 'Created' } },
      { id: 'invite', title: 'Invite {{ traits.first_name }}', completion: { event: 'Invited' } },
    ],
  },
];

function compile(rules: Record<string, unknown>[] = [], extra: Record<string, unknown> = {}) {
  return compileConfig({ rules, content, placements, flows, ...extra });
}

function request(overrides: Partial<DecideRequest> = {}): DecideRequest {
  return {
    placements: ['banner', 'sidebar', 'checklist'],
    context: {},
    flows: false,
    now: T0 + HOUR,
    consentWhenUnknown: 'allow',
    ...overrides,
  };
}

function identified(set: CompiledRuleSet, traits: Record<string, unknown>): ProfileState {
  return profileWith(set, [trackEvent('Signed Up', T0), identify(traits, T0 + 1)]);
}

function identify(traits: Record<string, unknown>, at: number) {
  return trackEvent('', at, { type: 'identify', event: undefined, traits } as never);
}

function fire(set: CompiledRuleSet, profile: ProfileState, name: string, at: number) {
  const event = trackEvent(name, at);
  applyEvent(profile, event, set.profilePlan, at);
  return runRulesForEvent(set, profile, event, { now: at, depth: 0 });
}

const promoRule = {
  id: 'promo-rule',
  priority: 7,
  trigger: { type: 'event', event: 'Upgraded' },
  actions: [
    {
      type: 'decide',
      placement: 'banner',
      content: 'promo',
      ttl: '2h',
      variables: { reward: '<b>10%</b>' },
    },
  ],
};

describe('decide', () => {
  it('shows the default, rendered with the profile and escaped', () => {
    const set = compile();
    const profile = identified(set, { first_name: '<img src=x onerror=alert(1)>' });
    const result = decide(set, profile, request());
    assert.equal(result.personalized, true);
    assert.deepEqual(result.decisions['banner'], {
      placement: 'banner',
      content: {
        id: 'welcome',
        type: 'banner',
        locale: 'en',
        fields: { title: 'Welcome, &lt;img src=x onerror=alert(1)&gt;!', body: 'Hi' },
      },
      reason: { type: 'default' },
      track: { placement: 'banner', content: 'welcome' },
    });
  });

  it('gives a visitor without a profile the defaults and an unstarted checklist', () => {
    const set = compile();
    const result = decide(set, undefined, request({ flows: true }));
    assert.equal(result.decisions['banner']?.content?.fields['title'], 'Welcome, there!');
    assert.deepEqual(result.decisions['sidebar'], {
      placement: 'sidebar',
      content: null,
      reason: { type: 'none' },
    });
    const checklist = result.decisions['checklist']?.content?.checklist;
    assert.equal(checklist?.percent, 0);
    assert.deepEqual(
      checklist?.steps.map((step) => [step.id, step.status, step.title]),
      [
        ['create', 'todo', 'Create a project'],
        ['invite', 'todo', 'Invite '],
      ],
    );
    assert.equal(result.flows?.['start']?.started, false);
  });

  it("prefers the rule's decision, with its reason, variables and expiry", () => {
    const set = compile([promoRule]);
    const profile = identified(set, { first_name: 'Ada' });
    fire(set, profile, 'Upgraded', T0 + 10);
    const result = decide(set, profile, request());
    const banner = result.decisions['banner'];
    assert.deepEqual(banner?.content?.fields, {
      title: 'Hello Ada',
      body: 'Get &lt;b&gt;10%&lt;/b&gt;',
    });
    assert.deepEqual(banner?.reason, {
      type: 'rule',
      rule: 'promo-rule',
      version: 1,
      priority: 7,
      at: T0 + 10,
    });
    assert.equal(banner?.validUntil, T0 + 10 + 2 * HOUR);
    assert.equal(result.validUntil, T0 + 10 + 2 * HOUR);
    assert.deepEqual(banner?.track, { placement: 'banner', content: 'promo', rule: 'promo-rule' });
    // Once the TTL has run out, the default is back.
    const later = decide(set, profile, request({ now: T0 + 10 + 2 * HOUR }));
    assert.deepEqual(later.decisions['banner']?.reason, { type: 'default' });
  });

  it('ignores a decision whose rule is gone from the version', () => {
    const withRule = compile([promoRule]);
    const profile = identified(withRule, { first_name: 'Ada' });
    fire(withRule, profile, 'Upgraded', T0 + 10);
    const without = compile([]);
    assert.deepEqual(decide(without, profile, request()).decisions['banner']?.reason, {
      type: 'default',
    });
  });

  it('names the segment that fired the rule, and renders its variant', () => {
    const set = compile(
      [
        {
          id: 'vip',
          trigger: { type: 'segment', segment: 'vips' },
          actions: [
            {
              type: 'decide',
              placement: 'banner',
              content: 'promo',
              variant: 'b',
              variables: { reward: 'x' },
            },
          ],
        },
      ],
      { segments: [{ id: 'vips', condition: { 'traits.vip': true } }] },
    );
    const profile = identified(set, { first_name: 'Ada', vip: true });
    runRulesForSegmentChange(set, profile, 'vips', 'entered', T0 + 5);
    const banner = decide(set, profile, request()).decisions['banner'];
    assert.equal(banner?.content?.fields['title'], 'Hey Ada');
    assert.equal(banner?.content?.variant, 'b');
    assert.deepEqual(banner?.reason, {
      type: 'rule',
      rule: 'vip',
      version: 1,
      priority: 0,
      at: T0 + 5,
      segment: 'vips',
      variant: 'b',
    });
  });

  it('renders the declared fallback when data is missing, and falls back to the default when a template fails', () => {
    const set = compile([
      promoRule,
      {
        id: 'strict-rule',
        priority: 9,
        trigger: { type: 'event', event: 'Strict' },
        actions: [{ type: 'decide', placement: 'banner', content: 'strict' }],
      },
    ]);
    const profile = identified(set, {});
    fire(set, profile, 'Upgraded', T0 + 10);
    const fallback = decide(set, profile, request()).decisions['banner'];
    assert.deepEqual(fallback?.content?.fields, { title: 'Hello', body: 'A gift awaits' });
    assert.equal(fallback?.reason.type, 'rule');

    fire(set, profile, 'Strict', T0 + 20);
    const result = decide(set, profile, request());
    const banner = result.decisions['banner'];
    assert.equal(banner?.content?.id, 'welcome');
    assert.deepEqual(banner?.reason, { type: 'default', fallback: 'missing-data' });
    assert.equal(banner?.error?.code, 'missing-data');
    assert.equal(banner?.error?.content, 'strict');
    assert.deepEqual(result.failures, [
      {
        placement: 'banner',
        content: 'strict',
        code: 'missing-data',
        message: 'fields.title: undefined variable: traits.company',
      },
    ]);
  });

  it('does not show dismissed content again, unless the rule says so', () => {
    const dismissible = (afterDismiss?: string) =>
      compile([
        {
          ...promoRule,
          actions: [
            {
              type: 'decide',
              placement: 'banner',
              content: 'promo',
              variables: { reward: 'x' },
              ...(afterDismiss === undefined ? {} : { afterDismiss }),
            },
          ],
        },
      ]);
    const dismiss = (set: CompiledRuleSet, profile: ProfileState, name: string, at: number) => {
      const event = trackEvent(name, at, {
        properties: { placement: 'banner', content: 'promo' },
      });
      applyEvent(profile, event, set.profilePlan, at);
      applyInteraction(profile, event);
    };
    for (const [afterDismiss, expected, until] of [
      [undefined, 'welcome', undefined],
      ['show', 'promo', undefined],
      ['3h', 'welcome', T0 + 100 + 3 * HOUR],
    ] as const) {
      const set = dismissible(afterDismiss);
      const profile = identified(set, { first_name: 'Ada' });
      fire(set, profile, 'Upgraded', T0 + 10);
      dismiss(set, profile, 'Content Dismissed', T0 + 100);
      const result = decide(set, profile, request());
      assert.equal(result.decisions['banner']?.content?.id, expected, String(afterDismiss));
      assert.equal(result.decisions['banner']?.validUntil, until, String(afterDismiss));
    }
    const set = dismissible('3h');
    const profile = identified(set, { first_name: 'Ada' });
    fire(set, profile, 'Upgraded', T0 + 10);
    dismiss(set, profile, 'Content Dismissed', T0 + 100);
    const again = decide(set, profile, request({ now: T0 + 100 + 3 * HOUR }));
    assert.equal(again.decisions['banner']?.content?.id, 'promo');
  });

  it('hides a dismissed default for good', () => {
    const set = compile();
    const profile = identified(set, { first_name: 'Ada' });
    applyInteraction(
      profile,
      trackEvent('Content Dismissed', T0 + 5, {
        properties: { placement: 'banner', content: 'welcome' },
      }),
    );
    assert.deepEqual(decide(set, profile, request()).decisions['banner'], {
      placement: 'banner',
      content: null,
      reason: { type: 'none' },
    });
  });

  it('stops after maxShows', () => {
    const set = compile([
      {
        ...promoRule,
        actions: [
          { type: 'decide', placement: 'banner', content: 'promo', maxShows: 2, variables: {} },
        ],
      },
    ]);
    const profile = identified(set, { first_name: 'Ada' });
    fire(set, profile, 'Upgraded', T0 + 10);
    for (let i = 0; i < 2; i++) {
      assert.equal(decide(set, profile, request()).decisions['banner']?.content?.id, 'promo');
      applyInteraction(
        profile,
        trackEvent('Content Shown', T0 + 20 + i, {
          properties: { placement: 'banner', content: 'promo' },
        }),
      );
    }
    assert.equal(decide(set, profile, request()).decisions['banner']?.content?.id, 'welcome');
  });

  it("shows the flow's next step in its placement, and the checklist's progress", () => {
    const set = compile();
    const profile = identified(set, { first_name: 'Ada' });
    const first = decide(set, profile, request({ flows: true }));
    assert.deepEqual(first.decisions['sidebar']?.reason, {
      type: 'flow',
      flow: 'start',
      step: 'create',
    });
    assert.deepEqual(first.decisions['sidebar']?.track, {
      placement: 'sidebar',
      content: 'tip',
      flow: 'start',
      step: 'create',
    });
    const checklist = first.decisions['checklist']?.content?.checklist;
    assert.deepEqual(
      checklist?.steps.map((step) => step.title),
      ['Create a project', 'Invite Ada'],
    );
    assert.equal(first.decisions['checklist']?.content?.fields['title'], 'Get started');
  });

  it('without consent for personalization, shows defaults rendered without profile data', () => {
    const set = compile([promoRule], { contentSettings: { consentCategory: 'Personalization' } });
    const profile = identified(set, { first_name: 'Ada' });
    fire(set, profile, 'Upgraded', T0 + 10);
    const denied = decide(set, profile, request({ consentWhenUnknown: 'deny' }));
    assert.equal(denied.personalized, false);
    assert.deepEqual(denied.decisions['banner']?.content?.fields, {
      title: 'Welcome, there!',
      body: 'Hi',
    });
    assert.deepEqual(denied.decisions['banner']?.reason, {
      type: 'default',
      fallback: 'no-consent',
    });
    assert.deepEqual(denied.decisions['sidebar']?.reason, { type: 'none', fallback: 'no-consent' });
    const stated = decide(set, profile, request({ consent: { Personalization: true } }));
    assert.equal(stated.decisions['banner']?.content?.id, 'promo');
    profile.consent = { categories: { Personalization: false }, updatedAt: T0 };
    assert.equal(decide(set, profile, request()).personalized, false);
  });

  it("shows content only where its `when` holds, else the placement's next source", () => {
    const pageContent = [
      ...content,
      {
        id: 'reports-tip',
        type: 'banner',
        fields: { title: 'Try filters' },
        when: { 'context.page.path': { $regex: '^/reports' }, 'traits.plan': 'team' },
      },
    ];
    const set = compile(
      [
        {
          id: 'tip-rule',
          trigger: { type: 'event', event: 'Upgraded' },
          actions: [{ type: 'decide', placement: 'banner', content: 'reports-tip' }],
        },
      ],
      { content: pageContent },
    );
    const profile = identified(set, { first_name: 'Ada', plan: 'team' });
    fire(set, profile, 'Upgraded', T0 + 10);
    const on = (path: string) =>
      decide(set, profile, request({ context: { page: { path } } })).decisions['banner'];
    assert.equal(on('/reports/weekly')?.content?.id, 'reports-tip');
    assert.equal(on('/reports/weekly')?.reason.type, 'rule');
    assert.equal(on('/settings')?.content?.id, 'welcome');
    assert.deepEqual(on('/settings')?.reason, { type: 'default' });
    profile.traits['plan'] = 'free';
    assert.equal(on('/reports')?.content?.id, 'welcome');
  });

  it('refuses a content condition that reads the event', () => {
    assert.throws(
      () =>
        compile([], {
          content: [
            ...content,
            { id: 'x', type: 'banner', fields: { title: 'x' }, when: { 'event.name': 'a' } },
          ],
        }),
      /content\.5\.when/,
    );
  });

  it("gives a tour that names a flow that flow's progress, and checks its step ids", () => {
    const tour = {
      id: 'tour',
      type: 'tour',
      flow: 'start',
      fields: { steps: [{ target: '#new', body: 'Create', step: 'create' }] },
    };
    const set = compile([], {
      content: [...content, tour],
      placements: [...placements, { id: 'tours', default: 'tour' }],
    });
    const result = decide(set, identified(set, {}), request({ placements: ['tours'] }));
    const view = result.decisions['tours']?.content?.checklist;
    assert.deepEqual(
      view?.steps.map((step) => [step.id, step.status]),
      [
        ['create', 'todo'],
        ['invite', 'todo'],
      ],
    );
    const wrong = { ...tour, fields: { steps: [{ target: '#x', step: 'nope' }] } };
    assert.throws(
      () => compile([], { content: [...content, wrong] }),
      /unknown step "nope" of flow "start"/,
    );
    const loose = { ...wrong, flow: undefined };
    assert.throws(
      () => compile([], { content: [...content, loose] }),
      /names a flow step only when the tour has a "flow"/,
    );
  });

  it('picks the locale from the request, else the profile, through the fallback chain', () => {
    const set = compile();
    const profile = identified(set, { first_name: 'Ada' });
    const fr = decide(set, profile, request({ locale: 'fr-CA' })).decisions['banner']?.content;
    assert.equal(fr?.locale, 'fr');
    assert.equal(fr?.fields['title'], 'Bienvenue, Ada !');
    profile.traits['locale'] = 'fr';
    assert.equal(decide(set, profile, request()).decisions['banner']?.content?.locale, 'fr');
    assert.equal(
      decide(set, profile, request({ locale: 'de' })).decisions['banner']?.content?.locale,
      'en',
    );
  });
});
