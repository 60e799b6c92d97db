/**
 * The workspace config of the decide benchmark (bench/decide.ts), written as a
 * config file for `onramp start`: 10 placements, 31 content items whose Liquid
 * templates read traits (English and French), a 5-step onboarding flow feeding
 * the sidebar and a checklist, and 22 rules with `decide` actions, two of which
 * (`live-a`, `live-b`) the push measurement toggles.
 */
import { writeFileSync } from 'node:fs';

/** The placements the throughput run asks for: a rule or default banner, the flow's sidebar, the checklist. */
export const decidePlacements = ['banner', 'sidebar', 'checklist'] as const;

/** The placement the push measurement watches, and the event and content that toggle it. */
export const livePlacement = 'live';
export const toggleEvent = 'Bench Toggle';
export type ToggleSide = 'a' | 'b';
export const liveContentOf = (side: ToggleSide): string => `live-${side}`;

type Json = Record<string, unknown>;

const greeting = '{{ traits.first_name | default: "there" }}';
const salut = '{{ traits.first_name | default: "à vous" }}';

/** A message-like item (banner, message, modal, offer) with an English and a French version. */
function item(id: string, type: string, title: string, titleFr: string, extra: Json = {}): Json {
  return {
    id,
    type,
    fields: { title, body: `${title} — ${greeting}, ${id.replaceAll('-', ' ')}.`, ...extra },
    locales: { fr: { title: titleFr, body: `${titleFr} — ${salut}.` } },
  };
}

function tooltip(id: string, target: string, body: string, bodyFr: string): Json {
  return {
    id,
    type: 'tooltip',
    fields: { target, body: `${body}, ${greeting}.` },
    locales: { fr: { body: `${bodyFr}, ${salut}.` } },
  };
}

const content: Json[] = [
  item('welcome', 'banner', `Welcome, ${greeting}!`, `Bienvenue, ${salut} !`),
  item('welcome-back', 'banner', `Welcome back, ${greeting}`, `Bon retour, ${salut}`),
  item('team-welcome', 'banner', 'Your team plan is ready', 'Votre offre équipe est prête', {
    cta: { label: 'Invite teammates', url: '/settings/team' },
  }),
  item('admin-welcome', 'banner', `${greeting}, your team is waiting`, `${salut}, l'équipe attend`),
  item('referral-welcome', 'banner', 'A friend invited you', 'Un ami vous a invité'),
  item('pro-upgrade', 'banner', 'Go Pro for unlimited reports', 'Passez Pro', {
    cta: { label: 'Upgrade', url: '/billing?plan={{ traits.plan | default: "free" }}' },
  }),
  item('trial-ending', 'banner', 'Your trial ends soon', 'Votre essai se termine bientôt'),
  item('advanced-tips', 'message', 'Power moves', 'Astuces avancées'),
  item('reports-tip', 'message', 'Filter your reports', 'Filtrez vos rapports'),
  item('export-tip', 'message', 'Export to CSV or PDF', 'Exportez en CSV ou PDF'),
  tooltip(
    'project-tip',
    '#new-project',
    'Create your first project here',
    'Créez votre projet ici',
  ),
  tooltip('invite-tip', '#invite', 'Work is better together', 'Invitez un collègue'),
  tooltip('integration-tip', '#integrations', 'Connect Slack or GitHub', 'Connectez Slack'),
  tooltip('billing-tip', '#billing', 'Set up billing', 'Configurez la facturation'),
  item('annual-offer', 'offer', 'Two months free, yearly', 'Deux mois offerts par an'),
  item('reports-tutorial', 'modal', 'Get more from reports', 'Tirez parti des rapports', {
    cta: { label: 'Start tutorial', url: '/tutorials/reports' },
  }),
  item('dashboards-tutorial', 'modal', 'Build a dashboard', 'Créez un tableau de bord'),
  item('need-help', 'modal', 'Need a hand?', "Besoin d'aide ?"),
  item('feedback-survey', 'modal', 'How is it going?', 'Comment ça se passe ?'),
  item('help-docs', 'message', 'Read the guide', 'Lisez le guide'),
  item('help-chat', 'message', 'Chat with us', 'Discutons'),
  {
    id: 'getting-started-checklist',
    type: 'checklist',
    flow: 'getting-started',
    fields: { title: `Getting started, ${greeting}` },
    locales: { fr: { title: `Premiers pas, ${salut}` } },
  },
  {
    id: 'first-tour',
    type: 'tour',
    fields: {
      steps: [
        { target: '#projects', title: `Hi ${greeting}`, body: 'Your projects live here.' },
        { target: '#reports', title: 'Reports', body: 'See how your team is doing.' },
        { target: '#settings', title: 'Settings', body: 'Invite people and set up billing.' },
      ],
    },
  },
  item('upgrade-offer', 'offer', 'Upgrade and save 20 %', 'Passez à la vitesse supérieure'),
  item('discount-offer', 'offer', `${greeting}, 30 % off this week`, `${salut}, -30 %`),
  tooltip('search-tip', '#search', 'Press / to search', 'Appuyez sur / pour chercher'),
  tooltip('shortcut-tip', '#help', 'Press ? for shortcuts', 'Appuyez sur ? pour les raccourcis'),
  item('weekly-summary', 'message', 'Your week in Onramp', 'Votre semaine'),
  item('new-feature', 'message', 'New: saved views', 'Nouveau : vues enregistrées'),
  item(liveContentOf('a'), 'message', `Live A for ${greeting}`, `Direct A pour ${salut}`),
  item(liveContentOf('b'), 'message', `Live B for ${greeting}`, `Direct B pour ${salut}`),
];

const placements: Json[] = [
  { id: 'banner', default: 'welcome', types: ['banner'] },
  { id: 'sidebar', types: ['message', 'tooltip', 'offer'] },
  { id: 'modal', types: ['modal'] },
  { id: 'help-bubble', types: ['message', 'modal'] },
  { id: 'checklist', default: 'getting-started-checklist', types: ['checklist'] },
  { id: 'tour', types: ['tour'] },
  { id: 'footer', default: 'upgrade-offer', types: ['offer'] },
  { id: 'header-tip', types: ['tooltip', 'message'] },
  { id: 'inbox', types: ['message'] },
  { id: livePlacement, types: ['message'] },
];

const flows: Json[] = [
  {
    id: 'getting-started',
    name: 'Getting started',
    placement: 'sidebar',
    steps: [
      {
        id: 'profile',
        title: 'Complete your profile',
        completion: { condition: { 'traits.first_name': { $exists: true } } },
      },
      {
        id: 'project',
        title: 'Create your first project',
        content: 'project-tip',
        completion: { event: 'Project Created' },
      },
      {
        id: 'invite',
        title: 'Invite a teammate, {{ traits.first_name | default: "friend" }}',
        content: 'invite-tip',
        completion: { event: 'Teammate Invited' },
      },
      {
        id: 'integration',
        title: 'Connect an integration',
        content: 'integration-tip',
        completion: { event: 'Integration Connected' },
      },
      {
        id: 'billing',
        title: 'Set up billing',
        content: 'billing-tip',
        required: false,
        completion: { event: 'Billing Configured' },
      },
    ],
    variants: [
      {
        id: 'admin',
        when: { 'traits.role': 'admin' },
        steps: ['profile', 'invite', 'project', 'integration', 'billing'],
      },
    ],
  },
];

type Trigger = Json;
const on = (event: string, where?: Json): Trigger =>
  where === undefined ? { type: 'event', event } : { type: 'event', event, where };
const used = (feature: string, count: Json, within?: string): Json => ({
  $event: {
    name: 'Feature Used',
    where: { 'properties.feature': feature },
    ...(within === undefined ? {} : { within }),
    count,
  },
});

function rule(
  id: string,
  trigger: Trigger,
  placement: string,
  contentId: string,
  options: { condition?: Json; constraints?: Json; priority?: number; ttl?: string } = {},
): Json {
  return {
    id,
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    trigger,
    ...(options.condition === undefined ? {} : { condition: options.condition }),
    actions: [
      {
        type: 'decide',
        placement,
        content: contentId,
        ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
      },
    ],
    ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
  };
}

const once = { once: true };
const rules: Json[] = [
  rule('team-welcome', on('Signed Up', { 'properties.plan': 'team' }), 'banner', 'team-welcome', {
    constraints: once,
  }),
  rule('referral-welcome', on('Signed Up'), 'banner', 'referral-welcome', {
    priority: 10,
    condition: { 'traits.referredBy': { $exists: true } },
    constraints: once,
  }),
  rule('admin-welcome', on('$identify'), 'banner', 'admin-welcome', {
    priority: 5,
    condition: { 'traits.role': 'admin' },
    constraints: once,
    ttl: '7d',
  }),
  rule('pro-upgrade', on('Feature Used'), 'banner', 'pro-upgrade', {
    condition: {
      'traits.plan': 'free',
      $event: { name: 'Feature Used', within: '7d', count: { $gte: 5 } },
    },
    constraints: { cooldown: '1d' },
  }),
  rule('welcome-back', on('$page'), 'banner', 'welcome-back', {
    condition: { 'sessions.count': { $gte: 2 } },
    constraints: once,
  }),
  rule(
    'reports-tip',
    on('Feature Used', { 'properties.feature': 'reports' }),
    'sidebar',
    'reports-tip',
    {
      condition: used('reports', { $eq: 1 }),
      ttl: '1h',
    },
  ),
  rule(
    'reports-tutorial',
    on('Feature Used', { 'properties.feature': 'reports' }),
    'modal',
    'reports-tutorial',
    { condition: used('reports', { $eq: 3 }), constraints: once, ttl: '1d' },
  ),
  rule(
    'dashboards-tutorial',
    on('Feature Used', { 'properties.feature': 'dashboards' }),
    'modal',
    'dashboards-tutorial',
    { condition: used('dashboards', { $gte: 2 }, '7d'), constraints: once },
  ),
  rule(
    'export-tip',
    on('Feature Used', { 'properties.feature': 'export' }),
    'sidebar',
    'export-tip',
    {
      ttl: '1h',
      constraints: { cooldown: '1h' },
    },
  ),
  rule('advanced-tips', { type: 'condition' }, 'sidebar', 'advanced-tips', {
    condition: { engagement: { $gt: 40 } },
    constraints: once,
  }),
  rule('annual-offer', on('Billing Configured'), 'sidebar', 'annual-offer', { constraints: once }),
  rule('discount-offer', on('Project Created'), 'footer', 'discount-offer', {
    condition: {
      'traits.plan': 'free',
      $event: { name: 'Project Created', count: { $gte: 3 } },
    },
    constraints: once,
  }),
  rule('search-tip', on('$page'), 'header-tip', 'search-tip', { constraints: once }),
  rule('shortcut-tip', on('Feature Used'), 'header-tip', 'shortcut-tip', {
    condition: { $event: { name: 'Feature Used', within: '24h', count: { $gte: 4 } } },
    constraints: once,
  }),
  rule('weekly-summary', on('Project Created'), 'inbox', 'weekly-summary', { ttl: '7d' }),
  rule('new-feature', on('$identify'), 'inbox', 'new-feature', {
    condition: { 'traits.plan': { $in: ['team', 'pro'] } },
    constraints: once,
  }),
  rule('help-docs', on('Teammate Invited'), 'help-bubble', 'help-docs', { ttl: '1d' }),
  rule('help-chat', { type: 'inactive', for: '30m' }, 'help-bubble', 'help-chat', {
    condition: { 'traits.onboardingCompleted': { $ne: true } },
    constraints: { cooldown: '1d' },
  }),
  rule('feedback-survey', on('Integration Connected'), 'modal', 'feedback-survey', {
    constraints: once,
  }),
  rule('first-tour', on('Signed Up'), 'tour', 'first-tour', { constraints: once, ttl: '7d' }),
  ...(['a', 'b'] as const).map((side) =>
    rule(
      `live-${side}`,
      on(toggleEvent, { 'properties.side': side }),
      livePlacement,
      liveContentOf(side),
      {
        constraints: { fatigue: false },
      },
    ),
  ),
];

/** The whole config document (a JSON object, which the YAML loader reads as is). */
export function decideBenchConfig(): Json {
  return {
    workspace: { id: 'bench', name: 'Decide benchmark' },
    profiles: {
      windows: ['1h', '24h', '7d', '30d'],
      engagement: {
        window: '7d',
        max: 100,
        weights: { 'Project Created': 10, 'Teammate Invited': 15, 'Feature Used': 3, $page: 0.5 },
      },
    },
    ruleSettings: { fatigue: { max: 10, per: '1d' } },
    rules,
    contentSettings: { defaultLocale: 'en' },
    placements,
    content,
    flows,
  };
}

/** Writes the config to `path` (JSON, which `loadConfigFile` reads as YAML). */
export function writeDecideBenchConfig(path: string): void {
  writeFileSync(path, `${JSON.stringify(decideBenchConfig(), null, 2)}\n`);
}
