import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildBundle } from '../scripts/build-bundle.js';
import { eventually, freePort, startEngine, storedEvents, type Engine } from './support/engine.js';

// The IIFE bundle in headless Chromium, on a page of another origin than the engine (CORS):
// localStorage across a reload, a flush on pagehide, decide and the decision stream.

let engine: Engine;
let site: Server;
let siteUrl: string;
let browser: Browser;

before(async () => {
  engine = await startEngine();
  const [, iife] = await buildBundle();
  const bundle = readFileSync(iife?.file ?? '', 'utf8');
  site = createServer((request, response) => {
    if (request.url === '/onramp.iife.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>SDK page</title><script src="/onramp.iife.js"></script>');
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const address = site.address();
  assert.ok(address !== null && typeof address === 'object');
  siteUrl = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await engine?.stop();
});

interface PageState {
  anonymousId: string;
  queue: string | null;
}

/** Creates `window.onramp` on the page, pointed at `host`. */
function createClient(page: Page, host: string): Promise<PageState> {
  return page.evaluate(
    ({ host, writeKey }) => {
      const w = window as unknown as Record<string, unknown> & {
        Onramp: { createOnramp(options: object): { anonymousId: string } };
      };
      const onramp = w.Onramp.createOnramp({ writeKey, host, flushIntervalMs: 60_000 });
      w['onramp'] = onramp;
      return {
        anonymousId: onramp.anonymousId,
        queue: localStorage.getItem(`onramp:${writeKey}:queue`),
      };
    },
    { host, writeKey: engine.writeKey },
  );
}

const call = (page: Page, script: string) =>
  page.evaluate(`(async () => { const onramp = window.onramp; ${script} })()`);

describe('in Chromium', () => {
  it('keeps the queue and the anonymousId in localStorage across a reload, and flushes on pagehide', async () => {
    const page = await browser.newPage();
    const dead = `http://127.0.0.1:${await freePort()}`;
    await page.goto(`${siteUrl}/start`);
    const first = await createClient(page, dead);
    await call(page, `onramp.track('Queued While Offline', { n: 1 });`);
    const queued = await page.evaluate(
      (key) =>
        new Promise<string | null>((resolve) =>
          queueMicrotask(() => resolve(localStorage.getItem(key))),
        ),
      `onramp:${engine.writeKey}:queue`,
    );
    assert.match(queued ?? '', /Queued While Offline/);

    await page.reload(); // pagehide: the keepalive request to the dead host fails, the queue stays
    const second = await createClient(page, engine.url);
    assert.equal(second.anonymousId, first.anonymousId);
    assert.match(second.queue ?? '', /Queued While Offline/);

    // The interval is a minute: only the pagehide of a real navigation sends these now.
    await call(page, `onramp.track('Before Leaving');`);
    await page.goto(`${siteUrl}/elsewhere`);
    const stored = await eventually(
      async () => {
        const events = await storedEvents(engine, 'anonymous', first.anonymousId);
        return events.length === 2 ? events : undefined;
      },
      5000,
      'both events',
    );
    assert.deepEqual(stored.map((event) => event['event']).sort(), [
      'Before Leaving',
      'Queued While Offline',
    ]);
    const context = stored[0]?.['context'] as Record<string, Record<string, unknown>>;
    assert.equal(context['page']?.['path'], '/start');
    assert.equal(context['page']?.['title'], 'SDK page');
    assert.match(String(context['userAgent']), /Chrome/);
    assert.equal(typeof context['locale'], 'string');
    assert.equal(context['library']?.['name'], '@onramp/sdk');
    // The answer came after the page was gone, so the queue still holds both: the next page
    // sends them again, and the engine keeps one copy of each (same messageIds).
    await createClient(page, engine.url);
    await call(page, `await onramp.flush();`);
    const left = await page.evaluate(
      (key) => localStorage.getItem(key),
      `onramp:${engine.writeKey}:queue`,
    );
    assert.equal(left, null);
    assert.equal((await storedEvents(engine, 'anonymous', first.anonymousId)).length, 2);
    await page.close();
  });

  it('decides and subscribes across origins (CORS, no preflight needed)', async () => {
    const page = await browser.newPage();
    const preflights: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'OPTIONS') preflights.push(request.url());
    });
    await page.goto(`${siteUrl}/app/home`);
    await createClient(page, engine.url);
    const token = engine.token('browser-user');
    const result = (await call(
      page,
      `onramp.identify('browser-user', { name: 'Bea' }, { token: '${token}' });
       await onramp.flush();
       const decided = await onramp.decide(['banner']);
       const update = await new Promise((resolve) => onramp.subscribe(resolve, { placements: ['banner'] }));
       return { decided, update };`,
    )) as {
      decided: { decisions: Record<string, { content: { id: string } }> };
      update: {
        full: boolean;
        decisions: Record<string, { content: { fields: { title: string } } }>;
      };
    };
    assert.equal(result.decided.decisions['banner']?.content.id, 'welcome');
    assert.equal(result.update.full, true);
    assert.match(result.update.decisions['banner']?.content.fields.title ?? '', /^Welcome, /);
    assert.deepEqual(preflights, [], 'text/plain bodies and safelisted headers only');
    await page.close();
  });
});
