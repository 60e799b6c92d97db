import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OnrampProvider, useDecisions, useFlag, useFlagDetails } from '../src/index.js';
import { h, render, waitFor } from './support/dom.js';
import { engineSuite } from './support/suite.js';

// useFlag and useFlagDetails against the real SDK and engine, rendered into jsdom.

const flags = [
  {
    key: 'welcome-copy',
    type: 'string',
    variants: { standard: 'Welcome!', pro: 'Welcome back!' },
    defaultVariant: 'standard',
    rules: [{ when: { 'traits.plan': 'pro' }, variant: 'pro' }],
  },
  {
    key: 'max-projects',
    type: 'number',
    variants: { few: 3, many: 50 },
    defaultVariant: 'few',
    rules: [{ when: { 'traits.seats': { $gte: 10 } }, variant: 'many' }],
  },
];

const suite = engineSuite(async (e) => {
  await e.server.engine.rules.publish(e.server.workspace.id, { source: 'api', flags });
});
const { clientFor } = suite;

/** Renders each flag's value into a <span data-flag>, counting its renders. */
function probes(renders: Record<string, number>) {
  const Copy = () => {
    renders['copy'] = (renders['copy'] ?? 0) + 1;
    return h('span', { 'data-flag': 'copy' }, useFlag('welcome-copy', 'Hi'));
  };
  const Limit = () => {
    renders['limit'] = (renders['limit'] ?? 0) + 1;
    return h('span', { 'data-flag': 'limit' }, String(useFlag('max-projects', 1)));
  };
  const Why = () => {
    const details = useFlagDetails('welcome-copy');
    return h('span', { 'data-flag': 'why' }, `${details.variant ?? '-'}/${details.reason ?? '-'}`);
  };
  return [h(Copy), h(Limit), h(Why)];
}

const text = (root: HTMLElement, name: string) =>
  root.querySelector(`[data-flag="${name}"]`)?.textContent ?? '';

describe('useFlag', () => {
  it('renders the default, then the value, and re-renders only the flag that changed', async () => {
    const client = clientFor('ada');
    const renders: Record<string, number> = {};
    const view = await render(h(OnrampProvider, { client }, ...probes(renders)));
    await waitFor(() => text(view.container, 'copy') === 'Welcome!', 'the streamed value');
    assert.equal(text(view.container, 'limit'), '3');
    assert.equal(text(view.container, 'why'), 'standard/DEFAULT');
    const before = { ...renders };

    // An event changes targeting: the stream pushes the one flag, live.
    await suite.engine.send([{ type: 'identify', userId: 'ada', traits: { plan: 'pro' } }]);
    await waitFor(() => text(view.container, 'copy') === 'Welcome back!', 'the pushed flag');
    assert.equal(text(view.container, 'why'), 'pro/TARGETING_MATCH');
    assert.equal(renders['limit'], before['limit'], 'max-projects did not change: no re-render');
    assert.ok((renders['copy'] ?? 0) > (before['copy'] ?? 0));

    await suite.engine.send([{ type: 'identify', userId: 'ada', traits: { seats: 12 } }]);
    await waitFor(() => text(view.container, 'limit') === '50', 'the second pushed flag');
    await view.unmount();
  });

  it('keeps the default for a flag the provider does not stream, or of another type', async () => {
    const client = clientFor('bo');
    let state: ReturnType<typeof useDecisions> | undefined;
    const Probe = () => {
      state = useDecisions();
      const limit = useFlag('max-projects', 'many');
      const copy = useFlag('welcome-copy', 'Hi');
      const details = useFlagDetails('welcome-copy');
      return h('span', { 'data-flag': 'both' }, `${copy}|${limit}|${String(details.loading)}`);
    };
    const view = await render(h(OnrampProvider, { client, flags: ['max-projects'] }, h(Probe)));
    await waitFor(() => state?.ready, 'the first message');
    assert.deepEqual(Object.keys(state?.flags ?? {}), ['max-projects']);
    assert.equal(text(view.container, 'both'), 'Hi|many|false');
    await view.unmount();
  });
});
