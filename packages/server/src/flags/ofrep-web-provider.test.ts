/**
 * The official web SDK (@openfeature/web-sdk) with the official OFREP web provider
 * (@openfeature/ofrep-web-provider) against the running server, as a browser uses it:
 * the public write key and the user token signed by the app's backend, bulk evaluation
 * with ETag / If-None-Match while polling. Runs in Node (fetch is Node's own; the
 * statuses the provider gets are recorded on the way).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, type AdminClient } from '../admin/admin-test-client.js';
import { signUserToken } from '../realtime/user-token.js';
import { testFlags } from './flag-fixtures.js';

let server: TestServer;
let admin: AdminClient;
const statuses: number[] = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  statuses.push(response.status);
  return response;
};

before(async () => {
  server = await startTestServer();
  admin = adminClient(server);
  assert.equal((await admin.call('PUT', '/flags', { flags: testFlags })).status, 200);
  await admin.ingest({ type: 'identify', userId: 'u-pro', traits: { plan: 'pro' } });
  await server.engine.flush();
});

after(async () => {
  await OpenFeature.close();
  await server.close();
});

function provider(headers: Record<string, string>, pollInterval = 0) {
  return new OFREPWebProvider({
    baseUrl: server.url,
    // This provider's version takes a list of [name, value] pairs.
    headers: Object.entries(headers),
    fetchImplementation: recordingFetch,
    cacheMode: 'disabled',
    changeDetection: pollInterval > 0 ? 'polling' : 'none',
    pollInterval,
  });
}

describe('@openfeature/web-sdk + @openfeature/ofrep-web-provider', () => {
  test('an identified user: write key and user token, values read synchronously', async () => {
    await OpenFeature.setContext({ targetingKey: 'u-pro', device: 'desktop' });
    await OpenFeature.setProviderAndWait(
      provider({
        'x-api-key': server.workspace.writeKey,
        'x-onramp-user-token': signUserToken('u-pro', server.workspace.identitySecret),
      }),
    );
    const client = OpenFeature.getClient();
    const copy = client.getStringDetails('welcome-copy', 'fallback');
    assert.deepEqual(
      [copy.value, copy.variant, copy.reason],
      ['Welcome back!', 'pro', 'TARGETING_MATCH'],
    );
    assert.deepEqual(copy.flagMetadata, { owner: 'growth' });
    assert.equal(client.getNumberValue('max-projects', 0), 50);
    assert.deepEqual(client.getObjectValue('onboarding-layout', {}), { columns: 3 });
    assert.equal(client.getBooleanDetails('nope', true).errorCode, 'FLAG_NOT_FOUND');
  });

  test('an anonymous visitor: no token, a rollout by anonymousId', async () => {
    await OpenFeature.setContext({ targetingKey: 'user-2', anonymous: true });
    await OpenFeature.setProviderAndWait(provider({ 'x-api-key': server.workspace.writeKey }));
    const client = OpenFeature.getClient();
    assert.equal(client.getBooleanValue('new-checkout', false), true);
    assert.deepEqual(client.getBooleanDetails('checkout-banner', false).reason, 'DEFAULT');
    assert.equal(client.getStringValue('welcome-copy', 'x'), 'Welcome!');
  });

  test('polling sends If-None-Match: 304 while nothing changed, new values after a change', async () => {
    await OpenFeature.setContext({ targetingKey: 'u-pro' });
    await OpenFeature.setProviderAndWait(
      provider(
        {
          'x-api-key': server.workspace.writeKey,
          'x-onramp-user-token': signUserToken('u-pro', server.workspace.identitySecret),
        },
        50,
      ),
    );
    const client = OpenFeature.getClient();
    statuses.length = 0;
    await waitFor(() => statuses.includes(304));
    const changed = new Promise<void>((resolve) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, () => resolve()),
    );
    const welcome = testFlags[0];
    assert.ok(welcome);
    const killed = await admin.call('PUT', '/flags/welcome-copy', { ...welcome, enabled: false });
    assert.equal(killed.status, 200);
    await changed;
    assert.deepEqual(client.getStringDetails('welcome-copy', 'x').reason, 'DISABLED');
    assert.ok(statuses.includes(200));
  });

  test('a bad write key fails the provider', async () => {
    await OpenFeature.setContext({ targetingKey: 'u1', anonymous: true });
    await assert.rejects(OpenFeature.setProviderAndWait(provider({ 'x-api-key': 'wrong' })));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
