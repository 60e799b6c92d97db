import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrictMode, act } from 'react';
import {
  OnrampProvider,
  Placement,
  useDecisions,
  useOnramp,
  usePlacement,
  type PlacementState,
} from '../src/index.js';
import { h, render, waitFor } from './support/dom.js';
import type { OnrampClient } from '@onramp/sdk';
import { engineSuite } from './support/suite.js';

// <Placement> and usePlacement against the real SDK and engine, rendered into jsdom.

const suite = engineSuite();
const { clientFor } = suite;

const text = (element: Element | null) => element?.textContent ?? '';

describe('<Placement>', () => {
  it('renders the banner and updates it live when an event is pushed (no reload)', async () => {
    await suite.engine.send([{ type: 'identify', userId: 'ada', traits: { first_name: 'Ada' } }]);
    const client = clientFor('ada');
    const view = await render(h(OnrampProvider, { client }, h(Placement, { id: 'banner' })));
    const banner = await waitFor(() => view.container.querySelector('.onramp-banner'), 'banner');
    assert.equal(text(banner.querySelector('h2')), 'Welcome, Ada!');
    assert.equal(banner.getAttribute('aria-labelledby'), banner.querySelector('h2')?.id);
    assert.equal(banner.querySelector('a.onramp-cta')?.getAttribute('href'), '/start');
    const before = banner.querySelector('h2');

    // The backend reports an upgrade: a rule decides the banner, the stream pushes it.
    await suite.engine.send([{ type: 'track', userId: 'ada', event: 'Plan Upgraded' }]);
    await waitFor(
      () => text(view.container.querySelector('h2')) === 'Thanks for upgrading, Ada',
      'the pushed decision',
    );
    assert.equal(view.container.querySelector('h2'), before, 'updated in place, not remounted');
    assert.equal(
      view.container.querySelector('.onramp-banner')?.getAttribute('data-content'),
      'thanks',
    );
    await view.unmount();
  });

  it('sends Content Shown once per content, whatever the re-renders and remounts', async () => {
    const client = clientFor('bo');
    const tree = (n: number) =>
      h(OnrampProvider, { client }, h('p', null, `render ${n}`), h(Placement, { id: 'banner' }));
    const view = await render(tree(0));
    await waitFor(() => view.container.querySelector('.onramp-banner'), 'banner');
    for (let n = 1; n <= 5; n++) await view.rerender(tree(n));
    // StrictMode-like remount of the placement alone: still the same content shown.
    await view.rerender(h(OnrampProvider, { client }, h('p', null, 'no banner')));
    await view.rerender(tree(6));
    await client.flush();
    const interactions = await suite.engine.interactions('bo', 'welcome');
    assert.equal(interactions?.['shown'], 1);
    await view.unmount();
  });

  it('hides dismissed content at once, sends Content Dismissed, and stays hidden', async () => {
    const client = clientFor('cy');
    const view = await render(h(OnrampProvider, { client }, h(Placement, { id: 'banner' })));
    const banner = await waitFor(() => view.container.querySelector('.onramp-banner'), 'banner');
    const dismiss = banner.querySelector<HTMLButtonElement>('button.onramp-dismiss');
    assert.equal(dismiss?.getAttribute('aria-label'), 'Dismiss Welcome, there!');
    await act(async () => dismiss?.click());
    assert.equal(
      view.container.querySelector('.onramp-banner'),
      null,
      'hidden without a round trip',
    );
    await client.flush();
    assert.equal((await suite.engine.interactions('cy', 'welcome'))?.['dismissed'], 1);
    // The server hides dismissed content too: its next decision for the banner is empty.
    await waitFor(() => client.getDecisions()['banner']?.content === null, 'the server decision');
    assert.equal(view.container.querySelector('.onramp-banner'), null);
    await view.unmount();
  });

  it('renders trait values as text: markup and javascript: URLs from traits do nothing', async () => {
    const evil = `<img src=x onerror="globalThis.pwned=1">'&"`;
    await suite.engine.send([
      {
        type: 'identify',
        userId: 'eve',
        traits: { first_name: evil, link: 'javascript:globalThis.pwned=1' },
      },
    ]);
    const client = clientFor('eve');
    const view = await render(h(OnrampProvider, { client }, h(Placement, { id: 'banner' })));
    const banner = await waitFor(() => view.container.querySelector('.onramp-banner'), 'banner');
    assert.equal(
      text(banner.querySelector('h2')),
      `Welcome, ${evil}!`,
      'shown as the person typed it',
    );
    assert.equal(banner.querySelector('img'), null, 'no element from the trait');
    assert.equal(banner.querySelector('a'), null, 'no link to a javascript: URL');
    assert.equal(
      text(banner.querySelector('button.onramp-cta')),
      'Start',
      'the CTA stays, as a button',
    );
    assert.equal((globalThis as { pwned?: number }).pwned, undefined);
    assert.doesNotMatch(banner.innerHTML, /<img|javascript:/);
    await view.unmount();
  });

  it('renders the escaped HTML only with the documented unsafeHtml opt-in', async () => {
    const client = clientFor('eve');
    const view = await render(
      h(OnrampProvider, { client }, h(Placement, { id: 'banner', unsafeHtml: true })),
    );
    const banner = await waitFor(() => view.container.querySelector('.onramp-banner'), 'banner');
    // The server escaped the trait, so even as HTML it is text; author markup would run.
    assert.equal(banner.querySelector('img'), null);
    assert.match(text(banner.querySelector('h2')), /<img src=x/);
    await view.unmount();
  });

  it('gives custom renderers the state, and a fallback for an empty or unknown placement', async () => {
    const client = clientFor('dee');
    const seen: string[] = [];
    function Custom() {
      const state = usePlacement('banner');
      seen.push(state.loading ? 'loading' : (state.content?.id ?? 'none'));
      return h('output', null, state.content?.fields['title'] as string);
    }
    const view = await render(
      h(
        OnrampProvider,
        { client, placements: ['banner', 'modal'] },
        h(Custom),
        h(Placement, { id: 'modal', fallback: h('i', { id: 'empty' }, 'nothing') }),
        h(Placement, { id: 'no-such-placement', fallback: h('i', { id: 'unknown' }, '?') }),
        h(Placement, {
          id: 'banner',
          children: (state: PlacementState) => h('b', { id: 'custom' }, state.content?.id),
        }),
      ),
    );
    await waitFor(
      () => text(view.container.querySelector('output')) === 'Welcome, there!',
      'banner',
    );
    assert.equal(seen[0], 'loading');
    assert.equal(seen.at(-1), 'welcome');
    assert.ok(view.container.querySelector('#empty'), 'modal: nothing to show');
    assert.ok(view.container.querySelector('#unknown'), 'a placement the stream does not carry');
    assert.equal(text(view.container.querySelector('#custom')), 'welcome');
    await view.unmount();
  });

  it('fails clearly without a provider or without a client', async () => {
    const errors: unknown[] = [];
    const { createRoot } = await import('react-dom/client');
    for (const node of [h(Placement, { id: 'banner' }), h(OnrampProvider, {}, 'x')]) {
      const root = createRoot(document.createElement('div'));
      try {
        await act(async () => root.render(node));
      } catch (error) {
        errors.push(error);
      }
      await act(async () => root.unmount());
    }
    assert.match(String(errors[0]), /need an <OnrampProvider> above them/);
    assert.match(String(errors[1]), /needs a `client` or `options`/);
  });

  it('creates its own client from options, under StrictMode, and shows once', async () => {
    const seen: string[][] = [];
    let owned: OnrampClient | undefined;
    function Probe() {
      const { ready, decisions } = useDecisions();
      owned = useOnramp();
      if (ready) seen.push(Object.keys(decisions).sort());
      return null;
    }
    const options = {
      writeKey: suite.engine.server.workspace.writeKey,
      host: suite.engine.server.url,
      userId: 'sam',
      userToken: suite.engine.token('sam'),
      flushIntervalMs: 10,
    };
    const view = await render(
      h(
        StrictMode,
        null,
        h(
          OnrampProvider,
          { options, placements: ['banner', 'modal'] },
          h(Probe),
          h(Placement, { id: 'banner' }),
        ),
      ),
    );
    await waitFor(() => view.container.querySelector('.onramp-banner'), 'banner');
    assert.deepEqual(seen.at(-1), ['banner', 'modal'], 'only the placements asked for');
    await owned?.flush();
    assert.equal((await suite.engine.interactions('sam', 'welcome'))?.['shown'], 1);
    await view.unmount();
  });
});
