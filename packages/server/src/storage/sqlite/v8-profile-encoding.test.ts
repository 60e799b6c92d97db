import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { test } from 'node:test';
import { profileWrite, type ProfileState } from '@onramp/core';
import { testProfile } from '../../../../core/src/profiles/profile-store.contract.js';
import {
  createV8ProfileEncoder,
  decodeProfiles,
  transferablesOf,
  type V8EncodedProfiles,
} from './v8-profile-encoding.js';

/** States whose JSON is not a plain copy of them: missing and undefined fields, NaN, -0, text. */
function awkwardStates(): [string, ProfileState][] {
  const timed = testProfile('p-timed', { userId: 'ü-😀' });
  timed.rules = { timers: { nudge: 1_767_225_660_000 }, fired: {} } as typeof timed.rules;
  timed.experiments = {
    onboarding: { variant: 'b', exposedAt: 1_767_225_600_000, metrics: { activated: 1 } },
  } as unknown as typeof timed.experiments;
  const odd = testProfile('p-odd', {
    traits: {
      name: '<script>"é"</script>\u2028',
      score: Number.NaN,
      zero: -0,
      nested: { list: [1, 'two', null, { deep: true }] },
    },
  });
  (odd as unknown as Record<string, unknown>).gone = undefined;
  return [
    ['ws-1', testProfile('p-plain')],
    ['ws-2', timed],
    ['ws-1', odd],
  ];
}

test('decoding what the encoder wrote gives the writes profileWrite makes, in order', () => {
  const states = awkwardStates();
  const encoder = createV8ProfileEncoder();
  for (const [workspaceId, state] of states) encoder.add(workspaceId, state);
  const encoded = encoder.finish();
  assert.equal(encoded.count, 3);
  assert.deepEqual(
    decodeProfiles(encoded),
    states.map(([workspaceId, state]) => profileWrite(workspaceId, state)),
  );
});

test('a state is encoded as it is when added: later changes are not in the commit', () => {
  const state = testProfile('p1');
  const encoder = createV8ProfileEncoder();
  encoder.add('ws', state);
  state.eventCount = 99;
  state.traits.late = true;
  const [write] = decodeProfiles(encoder.finish());
  assert.equal((JSON.parse(write?.json ?? '{}') as ProfileState).eventCount, 1);
  assert.deepEqual((JSON.parse(write?.json ?? '{}') as ProfileState).traits, {});
});

test('the encoded bytes move to another thread without a copy and decode there', async () => {
  const states = awkwardStates();
  const encoder = createV8ProfileEncoder();
  for (const [workspaceId, state] of states) encoder.add(workspaceId, state);
  const encoded = encoder.finish() as V8EncodedProfiles;
  const transfer = transferablesOf(encoded);
  assert.equal(transfer.length, 1);
  const { port1, port2 } = new MessageChannel();
  try {
    const received = new Promise<V8EncodedProfiles>((resolve) => port2.once('message', resolve));
    port1.postMessage(encoded, transfer);
    assert.equal(encoded.bytes.byteLength, 0, 'this side no longer holds the bytes');
    const arrived = await received;
    assert.ok(arrived.bytes instanceof Uint8Array);
    assert.deepEqual(
      decodeProfiles(arrived),
      states.map(([workspaceId, state]) => profileWrite(workspaceId, state)),
    );
  } finally {
    port1.close();
  }
});

test('an empty encoder gives no writes', () => {
  const encoded = createV8ProfileEncoder().finish();
  assert.equal(encoded.count, 0);
  assert.deepEqual(decodeProfiles(encoded), []);
});

test('refuses another encoding, a count that does not match, bytes it did not write, and reuse', () => {
  assert.throws(
    () => decodeProfiles({ encoding: 'json', count: 0 }),
    /takes no profiles encoded as json/,
  );
  const encoder = createV8ProfileEncoder();
  encoder.add('ws', testProfile('p1'));
  const encoded = encoder.finish() as V8EncodedProfiles;
  assert.throws(() => decodeProfiles({ ...encoded, count: 2 }), /2 encoded profiles but 1/);
  const garbled: V8EncodedProfiles = { ...encoded, bytes: Uint8Array.from([0xff, 0x0f, 0x6f]) };
  assert.throws(() => decodeProfiles(garbled));
  assert.throws(() => encoder.add('ws', testProfile('p2')), /has finished/);
  assert.throws(() => encoder.finish(), /has finished/);
});

test('a state V8 cannot serialize (a function) throws when added, as JSON.stringify throws on a BigInt', () => {
  const encoder = createV8ProfileEncoder();
  const state = testProfile('p1', { traits: { f: (() => 1) as unknown as string } });
  assert.throws(() => encoder.add('ws', state), /could not be cloned/);
});
