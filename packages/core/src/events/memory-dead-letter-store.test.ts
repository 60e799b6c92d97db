import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '../json/json.js';
import { describeDeadLetterStoreContract } from './dead-letter-store.contract.js';
import {
  createMemoryDeadLetterStore,
  truncateDeadLetterPayload,
} from './memory-dead-letter-store.js';

describeDeadLetterStoreContract('memory', async () => {
  const store = createMemoryDeadLetterStore();
  return { store, dispose: () => store.close() };
});

test('a payload too deeply nested to serialize is kept as a marker', async () => {
  let nested: JsonValue = 'leaf';
  for (let i = 0; i < 20_000; i++) nested = { a: nested };
  const { payload } = truncateDeadLetterPayload(nested);
  assert.deepEqual(payload, { truncated: true, preview: '(too deeply nested to keep)' });
});
