/**
 * The official server SDK (@openfeature/server-sdk) with the official OFREP provider
 * (@openfeature/ofrep-provider) against the running server, authenticated by the
 * workspace's secret key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, type AdminClient } from '../admin/admin-test-client.js';
import { testFlags } from './flag-fixtures.js';

let server: TestServer;
let admin: AdminClient;
let client: Client;

before(async () => {
  server = await startTestServer();
  admin = adminClient(server);
  assert.equal((await admin.call('PUT', '/flags', { flags: testFlags })).status, 200);
  await admin.ingest({ type: 'identify', userId: 'u-pro', traits: { plan: 'pro' } });
  await server.engine.flush();
  await OpenFeature.setProviderAndWait(
    new OFREPProvider({
      baseUrl: server.url,
      headers: { authorization: `Bearer ${server.workspace.adminKey}` },
    }),
  );
  client = OpenFeature.getClient();
});

after(async () => {
  await OpenFeature.close();
  await server.close();
});

describe('@openfeature/server-sdk + @openfeature/ofrep-provider', () => {
  test('evaluates every type with details, from the stored profile and the context', async () => {
    const copy = await client.getStringDetails('welcome-copy', 'fallback', {
      targetingKey: 'u-pro',
    });
    assert.deepEqual(
      [copy.value, copy.variant, copy.reason, copy.flagMetadata],
      ['Welcome back!', 'pro', 'TARGETING_MATCH', { owner: 'growth' }],
    );
    assert.equal(await client.getNumberValue('max-projects', 0, { targetingKey: 'u-pro' }), 50);
    assert.equal(await client.getNumberValue('max-projects', 0, { targetingKey: 'new' }), 3);
    const layout = await client.getObjectValue(
      'onboarding-layout',
      {},
      { targetingKey: 'new', device: 'desktop' },
    );
    assert.deepEqual(layout, { columns: 3 });
  });

  test('rollouts and prerequisites by targeting key', async () => {
    assert.equal(
      await client.getBooleanValue('new-checkout', false, { targetingKey: 'user-2' }),
      true,
    );
    assert.equal(
      await client.getBooleanValue('new-checkout', true, { targetingKey: 'user-1' }),
      false,
    );
    const banner = await client.getBooleanDetails('checkout-banner', true, {
      targetingKey: 'user-1',
    });
    assert.deepEqual([banner.value, banner.reason], [false, 'PREREQUISITE_FAILED']);
  });

  test('errors give the default value and the error code', async () => {
    const missing = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u1' });
    assert.deepEqual(
      [missing.value, missing.errorCode, missing.reason],
      [true, 'FLAG_NOT_FOUND', 'ERROR'],
    );
    const noKey = await client.getBooleanDetails('new-checkout', true, {});
    assert.deepEqual([noKey.value, noKey.errorCode], [true, 'TARGETING_KEY_MISSING']);
    const wrongType = await client.getNumberDetails('welcome-copy', 7, { targetingKey: 'u1' });
    assert.deepEqual([wrongType.value, wrongType.errorCode], [7, 'TYPE_MISMATCH']);
  });

  test('a wrong key is an error for every flag, never a value', async () => {
    await OpenFeature.setProviderAndWait(
      'wrong-key',
      new OFREPProvider({ baseUrl: server.url, headers: { authorization: 'Bearer nope' } }),
    );
    const details = await OpenFeature.getClient('wrong-key').getStringDetails('welcome-copy', 'x', {
      targetingKey: 'u-pro',
    });
    assert.deepEqual([details.value, details.reason], ['x', 'ERROR']);
    assert.equal(details.errorCode, 'GENERAL');
  });
});
