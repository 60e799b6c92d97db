import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import type { ProfileLookup } from '../src/engine/engine.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';

/*
 * The official Segment clients, pointed at Onramp, work unchanged:
 * - @segment/analytics-node, the real library, including its retries;
 * - @segment/analytics-next (browser), simulated with fetch exactly as its
 *   dispatchers send (settings from the "CDN", text/plain bodies to apiHost/{t,i,p,s,g,a,b}).
 */

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

type StoredEvent = Record<string, unknown>;

/** The stored events of a profile, once the processor has applied at least `count`. */
async function eventsOf(lookup: ProfileLookup, count: number): Promise<StoredEvent[]> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const page = await server.engine.listProfileEvents(server.workspace.id, lookup, { limit: 500 });
    const events = page?.events.map((entry) => entry.event) ?? [];
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function byMessageId(events: StoredEvent[], messageId: string): StoredEvent[] {
  return events.filter((event) => event.messageId === messageId);
}

describe('@segment/analytics-node', () => {
  test('every call type arrives exactly once, through a 503 and a lost acknowledgement', async () => {
    const userId = `node-${randomUUID()}`;
    const previousId = `old-${randomUUID()}`;
    let requests = 0;
    const retriedHeaders: string[] = [];
    const analytics = new Analytics({
      writeKey: server.workspace.writeKey,
      host: server.url,
      maxEventsInBatch: 3,
      flushInterval: 50,
      maxRetries: 5,
      httpClient: async (url, init) => {
        const request = ++requests;
        const retryCount = init.headers['X-Retry-Count'];
        if (retryCount !== undefined) retriedHeaders.push(retryCount);
        // 1st request: the server is briefly unavailable.
        if (request === 1) return new Response('{}', { status: 503, statusText: 'Unavailable' });
        const response = await fetch(url, init);
        // 2nd request: stored, but the answer is lost, so the client sends the batch again.
        if (request === 2) throw new Error('socket hang up');
        return response;
      },
    });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    let lastBody: string | undefined;
    analytics.on('http_request', (request) => {
      lastBody = request.body;
    });

    const sent: Promise<StoredEvent>[] = [];
    const capture = (
      call: (callback: (err?: unknown, ctx?: { event: object }) => void) => void,
    ): void => {
      sent.push(
        new Promise((resolve, reject) => {
          call((err, ctx) =>
            err === undefined && ctx !== undefined
              ? resolve(ctx.event as StoredEvent)
              : reject(err),
          );
        }),
      );
    };
    capture((cb) =>
      analytics.track({ userId, event: 'Project Created', properties: { template: 'blank' } }, cb),
    );
    capture((cb) => analytics.identify({ userId, traits: { role: 'admin', seats: 3 } }, cb));
    capture((cb) =>
      analytics.page(
        { userId, category: 'Docs', name: 'Quickstart', properties: { path: '/docs' } },
        cb,
      ),
    );
    capture((cb) => analytics.screen({ userId, name: 'Settings' }, cb));
    capture((cb) => analytics.group({ userId, groupId: 'acme', traits: { plan: 'team' } }, cb));
    capture((cb) => analytics.alias({ userId, previousId }, cb));
    capture((cb) =>
      analytics.track({ userId, event: 'Invite Sent', properties: { count: 2 } }, cb),
    );
    const clientEvents = await Promise.all(sent);
    await analytics.closeAndFlush({ timeout: 20_000 });

    assert.deepEqual(failures, []);
    assert.ok(requests >= 4, `requests: ${requests}`);
    assert.ok(retriedHeaders.length >= 2, 'the client retried');

    const stored = await eventsOf({ userId }, clientEvents.length);
    assert.equal(stored.length, clientEvents.length);
    for (const sentEvent of clientEvents) {
      const matches = byMessageId(stored, sentEvent.messageId as string);
      assert.equal(matches.length, 1, `${sentEvent.type} ${String(sentEvent.messageId)}`);
      assert.equal(matches[0]?.type, sentEvent.type);
    }
    const find = (type: string, name?: string): StoredEvent | undefined =>
      stored.find(
        (event) =>
          event.type === type &&
          (name === undefined || event.event === name || event.name === name),
      );
    assert.deepEqual(find('track', 'Project Created')?.properties, { template: 'blank' });
    assert.deepEqual(find('identify')?.traits, { role: 'admin', seats: 3 });
    assert.equal(find('page')?.category, 'Docs');
    assert.equal(find('page')?.name, 'Quickstart');
    assert.equal(find('screen')?.name, 'Settings');
    assert.equal(find('group')?.groupId, 'acme');
    assert.equal(find('alias')?.previousId, previousId);
    const library = (find('track', 'Invite Sent')?.context as { library?: { name?: string } })
      ?.library;
    assert.equal(library?.name, '@segment/analytics-node');

    // The same batch sent again (a client replaying after a crash) changes nothing.
    assert.ok(lastBody !== undefined);
    const replay = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
      },
      body: lastBody,
    });
    assert.equal(replay.status, 200);
    assert.deepEqual(await replay.json(), { success: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await eventsOf({ userId }, clientEvents.length)).length, clientEvents.length);
  });

  test('an unknown write key fails delivery with 401, without retries', async () => {
    let requests = 0;
    const analytics = new Analytics({
      writeKey: 'not-a-key',
      host: server.url,
      maxEventsInBatch: 1,
      maxRetries: 3,
      httpClient: (url, init) => {
        requests++;
        return fetch(url, init);
      },
    });
    const outcome = await new Promise<unknown>((resolve) => {
      analytics.track({ userId: 'u', event: 'e' }, (err) => resolve(err));
    });
    await analytics.closeAndFlush({ timeout: 5000 });
    assert.match(String(outcome), /401/);
    assert.equal(requests, 1);
  });
});

describe('@segment/analytics-next (browser), as its dispatchers send', () => {
  const origin = 'https://app.example.com';
  const libraryContext = (path: string) => ({
    library: { name: 'analytics.js', version: 'npm:next-1.81.0' },
    page: { path, referrer: '', search: '', title: 'Example', url: `${origin}${path}` },
    userAgent: 'Mozilla/5.0 (test)',
    locale: 'en-US',
  });

  async function settings(headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${server.url}/v1/projects/${server.workspace.writeKey}/settings`, {
      headers: { origin, ...headers },
    });
  }

  /** What analytics-next's normalize() produces for one call. */
  function browserMessage(
    type: string,
    fields: Record<string, unknown>,
    anonymousId: string,
  ): StoredEvent {
    const now = new Date().toISOString();
    return {
      type,
      ...fields,
      anonymousId,
      messageId: `ajs-next-${Date.now()}-${randomUUID()}`,
      timestamp: now,
      sentAt: now,
      context: libraryContext('/pricing'),
      integrations: {},
      writeKey: server.workspace.writeKey,
      _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
      userId: fields.userId ?? null,
    };
  }

  test('settings point the Segment.io destination at this server', async () => {
    const response = await settings();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), origin);
    assert.match(response.headers.get('vary') ?? '', /\bOrigin\b/, 'cacheable per origin');
    assert.match(response.headers.get('vary') ?? '', /X-Forwarded-Host/);
    assert.equal(
      (response.headers.get('vary') ?? '').match(/\bOrigin\b/g)?.length,
      1,
      'no duplicate',
    );
    const body = (await response.json()) as Record<string, unknown> & {
      integrations: Record<string, Record<string, unknown>>;
    };
    const host = new URL(server.url).host;
    const segmentio = body.integrations['Segment.io'];
    assert.equal(segmentio?.apiKey, server.workspace.writeKey);
    assert.equal(segmentio?.apiHost, `${host}/v1`);
    assert.equal(segmentio?.protocol, 'http');
    assert.deepEqual(Object.keys(body.integrations), ['Segment.io']);
    assert.equal(body.analyticsNextEnabled, true);
    assert.deepEqual(body.plan, {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    });
    for (const key of ['edgeFunction', 'middlewareSettings', 'enabledMiddleware', 'metrics']) {
      assert.equal(typeof body[key], 'object', key);
    }
    assert.deepEqual(body.remotePlugins, []);
    assert.equal((body.metrics as { sampleRate: number }).sampleRate, 0);
  });

  test('settings behind a proxy use X-Forwarded-Proto, -Host and -Prefix', async () => {
    const response = await settings({
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'onramp.example.com',
      'x-forwarded-prefix': '/segment',
    });
    const body = (await response.json()) as {
      integrations: Record<string, Record<string, unknown>>;
    };
    assert.equal(body.integrations['Segment.io']?.apiHost, 'onramp.example.com/segment/v1');
    assert.equal(body.integrations['Segment.io']?.protocol, 'https');
    const spoofed = await settings({ 'x-forwarded-host': 'evil.example/<script>' });
    const spoofedBody = (await spoofed.json()) as {
      integrations: Record<string, Record<string, unknown>>;
    };
    assert.equal(spoofedBody.integrations['Segment.io']?.apiHost, `${new URL(server.url).host}/v1`);
  });

  test('settings of an unknown write key are 404, as on Segment', async () => {
    const response = await fetch(`${server.url}/v1/projects/not-a-key/settings`);
    assert.equal(response.status, 404);
  });

  test('one call per request to apiHost/{t,i,p,s,g,a} with text/plain bodies', async () => {
    const body = (await (await settings()).json()) as {
      integrations: Record<string, { apiHost: string; protocol: string }>;
    };
    const { apiHost, protocol } = body.integrations['Segment.io'] as {
      apiHost: string;
      protocol: string;
    };
    const anonymousId = randomUUID();
    const userId = `browser-${randomUUID()}`;
    const calls: [string, StoredEvent][] = [
      [
        'p',
        browserMessage('page', { name: 'Pricing', properties: { path: '/pricing' } }, anonymousId),
      ],
      [
        't',
        browserMessage('track', { event: 'Plan Viewed', properties: { plan: 'pro' } }, anonymousId),
      ],
      [
        'i',
        browserMessage('identify', { userId, traits: { email: 'a@example.com' } }, anonymousId),
      ],
      ['g', browserMessage('group', { userId, groupId: 'acme', traits: {} }, anonymousId)],
      ['s', browserMessage('screen', { name: 'Home' }, anonymousId)],
      ['a', browserMessage('alias', { userId, previousId: anonymousId }, anonymousId)],
    ];
    for (const [letter, message] of calls) {
      const response = await fetch(`${protocol}://${apiHost}/${letter}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin },
        keepalive: true,
        body: JSON.stringify(message),
      });
      assert.equal(response.status, 200, `${letter}: ${await response.clone().text()}`);
      assert.deepEqual(await response.json(), { success: true });
      assert.equal(response.headers.get('access-control-allow-origin'), origin);
    }
    const stored = await eventsOf({ userId }, calls.length);
    for (const [, message] of calls) {
      assert.equal(
        byMessageId(stored, message.messageId as string).length,
        1,
        String(message.type),
      );
    }
    const track = stored.find((event) => event.type === 'track');
    assert.deepEqual(track?.properties, { plan: 'pro' });
    assert.equal((track?.context as { library: { name: string } }).library.name, 'analytics.js');
  });

  test('batching: apiHost/b with Basic auth, X-Retry-Count and the key in the body', async () => {
    const host = new URL(server.url).host;
    const anonymousId = randomUUID();
    const batch = ['First', 'Second', 'Third'].map((name) => {
      const { sentAt: _sentAt, ...message } = browserMessage('track', { event: name }, anonymousId);
      return message;
    });
    const headers = {
      'content-type': 'text/plain',
      authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
      'x-retry-count': '0',
      origin,
    };
    const preflight = await fetch(`http://${host}/v1/b`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-retry-count',
      },
    });
    assert.equal(preflight.status, 204);
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    assert.ok(
      allowed.includes('authorization') && allowed.includes('x-retry-count'),
      `allowed: ${allowed}`,
    );

    const body = JSON.stringify({
      writeKey: server.workspace.writeKey,
      batch,
      sentAt: new Date().toISOString(),
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      // The second send is a retry of the same batch: stored once.
      const response = await fetch(`http://${host}/v1/b`, {
        method: 'POST',
        headers: { ...headers, 'x-retry-count': String(attempt) },
        body,
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), origin);
    }
    const stored = await eventsOf({ anonymousId }, batch.length);
    assert.equal(stored.length, batch.length);
    for (const message of batch)
      assert.equal(byMessageId(stored, message.messageId as string).length, 1);
  });

  test('client metrics (/v1/m) are accepted and ignored', async () => {
    const response = await fetch(`${server.url}/v1/m`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin },
      body: JSON.stringify({
        series: [
          {
            type: 'Counter',
            metric: 'analytics_js.invoke',
            value: 1,
            tags: { library: 'analytics.js' },
          },
        ],
      }),
    });
    assert.equal(response.status, 200);
    const garbage = await fetch(`${server.url}/v1/m`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'not json',
    });
    assert.equal(garbage.status, 200);
  });
});

describe('other official libraries', () => {
  test('analytics-ruby and the mobile libraries post batches to /v1/import', async () => {
    const userId = `ruby-${randomUUID()}`;
    const messageId = randomUUID();
    const response = await fetch(`${server.url}/v1/import`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        batch: [
          {
            type: 'track',
            userId,
            event: 'Imported',
            messageId,
            timestamp: new Date().toISOString(),
          },
        ],
        sentAt: new Date().toISOString(),
      }),
    });
    assert.equal(response.status, 200);
    const stored = await eventsOf({ userId }, 1);
    assert.equal(byMessageId(stored, messageId).length, 1);
  });
});
