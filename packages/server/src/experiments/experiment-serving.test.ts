import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenFeature, type Hook } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import {
  assignExperiment,
  createProfile,
  type CompiledExperiment,
  type ContentItem,
  type FlagDefinition,
  type FlowDefinition,
  type PlacementDefinition,
} from '@onramp/core';
import { sendBatch, startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, fieldsOf, type AdminClient, type Json } from '../admin/admin-test-client.js';

// Experiments served over the real server: flag experiments in decide's flags and in
// OFREP (the official server SDK and provider, a hook sending Experiment Viewed), a
// visitor decide has never seen, and a flow experiment from the step shown to results.

let server: TestServer;
let client: AdminClient;

const experiments = [
  {
    id: 'welcome-test',
    status: 'running',
    placement: 'banner',
    variants: [
      { id: 'control', weight: 50 },
      { id: 'friendly', weight: 50, content: { item: 'welcome-b' } },
    ],
  },
  {
    id: 'editor-test',
    status: 'running',
    traffic: 50,
    variants: [
      { id: 'control', weight: 50, flag: { key: 'new-editor', variant: 'off' } },
      { id: 'treatment', weight: 50, flag: { key: 'new-editor', variant: 'on' } },
    ],
  },
  {
    id: 'setup-test',
    status: 'running',
    variants: [
      { id: 'full', weight: 50, flow: { id: 'setup' } },
      { id: 'short', weight: 50, flow: { id: 'setup', variant: 'short' } },
    ],
    metrics: [
      { id: 'project', type: 'step', flow: 'setup', step: 'project' },
      { id: 'invite', type: 'step', flow: 'setup', step: 'invite' },
    ],
  },
];

before(async () => {
  server = await startTestServer({ flushIntervalMs: 20 });
  client = adminClient(server);
  const tips = ['profile', 'project', 'invite'].map((step) => ({
    id: `tip-${step}`,
    type: 'tooltip',
    fields: { target: `#${step}`, body: `Do ${step}` },
  }));
  await server.engine.rules.publish(server.workspace.id, {
    source: 'api',
    content: [
      { id: 'welcome', type: 'banner', fields: { title: 'Welcome' } },
      { id: 'welcome-b', type: 'banner', fields: { title: 'Hello there' } },
      ...tips,
    ] as unknown as ContentItem[],
    placements: [
      { id: 'banner', default: 'welcome', types: ['banner'] },
      { id: 'sidebar' },
    ] as unknown as PlacementDefinition[],
    flows: [
      {
        id: 'setup',
        placement: 'sidebar',
        steps: ['profile', 'project', 'invite'].map((step) => ({
          id: step,
          content: `tip-${step}`,
          required: true,
          priority: 0,
          completion: { event: step === 'project' ? 'Project Created' : `${step} done` },
        })),
        variants: [
          { id: 'admin', when: { 'traits.role': 'admin' }, steps: ['invite', 'profile'] },
          { id: 'short', when: { 'traits.plan': 'never' }, steps: ['project', 'invite'] },
        ],
      },
    ] as unknown as FlowDefinition[],
    flags: [
      {
        key: 'new-editor',
        type: 'boolean',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        rules: [],
      },
    ] as unknown as FlagDefinition[],
  });
  const put = await client.call('PUT', '/experiments', { experiments });
  assert.equal(put.status, 200, JSON.stringify(put.body));
});

after(async () => {
  await OpenFeature.close();
  await server.close();
});

function experiment(id: string): CompiledExperiment {
  const found = server.engine.workspaceById(server.workspace.id)?.rules.experiments.byId.get(id);
  assert.ok(found, id);
  return found;
}

/** The experiment's variant for a key by the core's assignment (undefined: not in). */
function assigned(id: string, key: string): string | undefined {
  const profile = createProfile('', Date.now());
  return assignExperiment(experiment(id), { profile, now: Date.now() }, key).variant?.id;
}

async function decide(body: Json): Promise<Json> {
  const response = await fetch(`${server.url}/client/v1/decide`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${server.workspace.adminKey}`,
    },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as Json;
}

async function storedVariant(lookup: Json, id: string): Promise<string | undefined> {
  await server.engine.flush();
  const profile = await server.engine.decisions.findProfile(server.workspace.id, lookup as never);
  const all = profile?.experiments;
  return all !== undefined && Object.hasOwn(all, id) ? all[id]?.variant : undefined;
}

const flagOf = (answer: Json) => (answer['flags'] as Record<string, Json>)['new-editor'];

describe('experiments served', () => {
  test('decide’s flags: the experiment’s variant for an assigned user, the flag’s own otherwise', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `flag-user-${i}`);
    await sendBatch(
      server,
      users.map((userId) => ({ type: 'identify', userId })),
    );
    await server.engine.flush();
    const seen = { treatment: 0, control: 0, out: 0 };
    for (const userId of users) {
      const variant = assigned('editor-test', userId);
      seen[(variant ?? 'out') as keyof typeof seen]++;
      const flag = flagOf(await decide({ userId, placements: [], flags: ['new-editor'] }));
      if (variant === undefined) {
        assert.deepEqual(flag, { value: false, variant: 'off', reason: 'STATIC' });
      } else {
        assert.deepEqual(flag, {
          value: variant === 'treatment',
          variant: variant === 'treatment' ? 'on' : 'off',
          reason: 'TARGETING_MATCH',
          experiment: 'editor-test',
          experimentVariant: variant,
        });
      }
    }
    assert.ok(
      Object.values(seen).every((n) => n > 3),
      JSON.stringify(seen),
    );
  });

  test('OFREP with the server SDK: the variant, and a hook that sends Experiment Viewed', async () => {
    const sent: Promise<void>[] = [];
    const exposureHook: Hook = {
      after(hookContext, details) {
        const experimentId = details.flagMetadata['experiment'];
        if (typeof experimentId !== 'string') return;
        const properties = {
          experiment_id: experimentId,
          variation_id: details.flagMetadata['experimentVariant'],
        };
        const userId = hookContext.context.targetingKey;
        sent.push(
          sendBatch(server, [{ type: 'track', userId, event: 'Experiment Viewed', properties }]),
        );
      },
    };
    await OpenFeature.setProviderAndWait(
      new OFREPProvider({
        baseUrl: server.url,
        headers: { authorization: `Bearer ${server.workspace.adminKey}` },
      }),
    );
    OpenFeature.addHooks(exposureHook);
    const flags = OpenFeature.getClient();
    let exposed = 0;
    for (let i = 0; i < 20; i++) {
      const userId = `flag-user-${i}`;
      const variant = assigned('editor-test', userId);
      const details = await flags.getBooleanDetails('new-editor', true, { targetingKey: userId });
      assert.equal(details.value, variant === 'treatment', userId);
      assert.equal(details.flagMetadata['experimentVariant'], variant);
      if (variant !== undefined) exposed++;
    }
    assert.equal(sent.length, exposed);
    await Promise.all(sent);
    for (let i = 0; i < 20; i++) {
      const userId = `flag-user-${i}`;
      const stored = await storedVariant({ userId }, 'editor-test');
      assert.equal(stored, assigned('editor-test', userId), userId);
    }
  });

  test('a visitor never seen gets the variant their first event and their sign-up keep', async () => {
    for (let i = 0; i < 12; i++) {
      const anonymousId = `new-visitor-${i}`;
      const banner = assigned('welcome-test', anonymousId);
      const editor = assigned('editor-test', anonymousId);
      const ask = { placements: ['banner'], flags: ['new-editor'] };
      const first = await decide({ anonymousId, ...ask });
      assert.equal(first['profileVersion'], 0);
      const decision = (first['decisions'] as Record<string, Json>)['banner'] as Json;
      assert.deepEqual(decision['reason'], {
        type: 'experiment',
        experiment: 'welcome-test',
        variant: banner,
      });
      assert.equal(flagOf(first)?.['experimentVariant'], editor);
      assert.equal(await storedVariant({ anonymousId }, 'welcome-test'), undefined);
      // The first event: a page view for half of them, the exposure itself for the others.
      if (i % 2 === 0) await sendBatch(server, [{ type: 'page', anonymousId }]);
      await sendBatch(server, [
        { type: 'track', anonymousId, event: 'Content Shown', properties: decision['track'] },
      ]);
      assert.equal(await storedVariant({ anonymousId }, 'welcome-test'), banner);
      // Sign-up: anonymous → known.
      const userId = `signed-up-${i}`;
      await sendBatch(server, [{ type: 'identify', anonymousId, userId }]);
      assert.equal(await storedVariant({ userId }, 'welcome-test'), banner);
      const known = await decide({ userId, ...ask });
      const shown = (known['decisions'] as Record<string, Json>)['banner'] as Json;
      assert.deepEqual(shown['reason'], decision['reason']);
      assert.equal(flagOf(known)?.['experimentVariant'], editor);
    }
  });

  test('a flow experiment: the variant’s step shown with the exposure, step metrics per variant', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `flow-user-${i}`);
    // Admins: without the experiment their `when` would give them the admin steps.
    await sendBatch(
      server,
      users.map((userId) => ({ type: 'identify', userId, traits: { role: 'admin' } })),
    );
    await server.engine.flush();
    const expected: Record<string, { users: number; project: number }> = {
      full: { users: 0, project: 0 },
      short: { users: 0, project: 0 },
    };
    const shown: Json[] = [];
    for (const [i, userId] of users.entries()) {
      const variant = assigned('setup-test', userId) as 'full' | 'short';
      const answer = await decide({ userId, placements: ['sidebar'], flows: true });
      const decision = (answer['decisions'] as Record<string, Json>)['sidebar'] as Json;
      const step = variant === 'short' ? 'project' : 'profile';
      assert.deepEqual(decision['track'], {
        placement: 'sidebar',
        content: `tip-${step}`,
        flow: 'setup',
        step,
        experiment: 'setup-test',
        variant,
      });
      const view = (answer['flows'] as Record<string, Json>)['setup'] as Json;
      assert.equal(view['variant'], variant === 'short' ? 'short' : undefined);
      if (i % 5 === 4) continue; // not shown: not exposed
      expected[variant]!.users++;
      shown.push({ type: 'track', userId, event: 'Content Shown', properties: decision['track'] });
      if (i % 2 === 0) {
        expected[variant]!.project++;
        shown.push({ type: 'track', userId, event: 'Project Created' });
      }
    }
    await sendBatch(server, shown);
    const reply = await client.call('GET', '/experiments/setup-test/results');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const variants = reply.body['variants'] as {
      id: string;
      users: number;
      metrics: Record<string, { sum: number }>;
    }[];
    assert.deepEqual(
      Object.fromEntries(
        variants.map((v) => [v.id, { users: v.users, project: v.metrics['project']?.sum }]),
      ),
      expected,
    );
  });

  test('the admin API names a bad flow choice by field', async () => {
    const bad = (flow: unknown) =>
      client.call('PUT', '/experiments/bad-flow', {
        id: 'bad-flow',
        variants: [
          { id: 'a', weight: 50, flow: { id: 'setup' } },
          { id: 'b', weight: 50, flow },
        ],
      });
    const cases: [unknown, string][] = [
      [{ id: 'nope' }, 'variants.1.flow.id'],
      [{ id: 'setup', variant: 'admins' }, 'variants.1.flow.variant'],
      [{ id: 'setup', variant: 3 }, 'variants.1.flow.variant'],
      [{ id: 'setup', extra: true }, 'variants.1.flow.extra'],
      ['setup', 'variants.1.flow'],
    ];
    for (const [flow, field] of cases) {
      const reply = await bad(flow);
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.ok(fieldsOf(reply.body).includes(field), `${field}: ${JSON.stringify(reply.body)}`);
    }
  });
});
