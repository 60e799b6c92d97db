import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../json/json.js';
import type { DeadLetterStore, NewDeadLetter } from './dead-letter-store.js';

export interface DeadLetterStoreHarness {
  store: DeadLetterStore;
  /** Closes the store and its storage, then opens them again. Durable stores only. */
  reopen?: () => Promise<DeadLetterStore>;
  /** Closes whatever is still open and removes temporary files. */
  dispose(): Promise<void>;
}

function letter(workspaceId: string, n: number, payload: JsonObject = { n }): NewDeadLetter {
  return {
    workspaceId,
    receivedAt: 1_767_225_600_000 + n,
    reason: 'invalid',
    errors: [{ field: 'userId', message: `missing ${n}` }],
    payload,
  };
}

/** The behaviour every DeadLetterStore shares. `open` creates an empty store. */
export function describeDeadLetterStoreContract(
  name: string,
  open: () => Promise<DeadLetterStoreHarness>,
): void {
  async function withStore(body: (harness: DeadLetterStoreHarness) => Promise<void>) {
    const harness = await open();
    try {
      await body(harness);
    } finally {
      await harness.dispose();
    }
  }

  describe(`DeadLetterStore contract: ${name}`, () => {
    it('lists letters newest first with all their fields', () =>
      withStore(async ({ store }) => {
        assert.deepEqual(await store.list('w1', { limit: 10 }), []);
        assert.equal(await store.count('w1'), 0);
        await store.add([letter('w1', 1), letter('w1', 2)]);
        await store.add([{ ...letter('w1', 3), reason: 'tracking_plan' }]);
        const listed = await store.list('w1', { limit: 10 });
        assert.deepEqual(
          listed.map(({ id: _id, ...rest }) => rest),
          [{ ...letter('w1', 3), reason: 'tracking_plan' }, letter('w1', 2), letter('w1', 1)],
        );
        const ids = listed.map((l) => l.id);
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => b - a),
        );
        assert.equal(new Set(ids).size, 3);
        assert.equal(await store.count('w1'), 3);
      }));

    it('pages backwards with beforeId and keeps workspaces apart', () =>
      withStore(async ({ store }) => {
        for (let n = 1; n <= 5; n++) await store.add([letter('w1', n), letter('w2', n)]);
        const page1 = await store.list('w1', { limit: 2 });
        const page2 = await store.list('w1', { limit: 2, beforeId: page1[1]?.id });
        const page3 = await store.list('w1', { limit: 2, beforeId: page2[1]?.id });
        const ns = (page: { payload: unknown }[]) =>
          page.map((l) => (l.payload as { n: number }).n);
        assert.deepEqual([ns(page1), ns(page2), ns(page3)], [[5, 4], [3, 2], [1]]);
        assert.deepEqual(await store.list('w1', { limit: 2, beforeId: page3[0]?.id }), []);
        assert.ok([...page1, ...page2, ...page3].every((l) => l.workspaceId === 'w1'));
        assert.equal(await store.count('w1'), 5);
        assert.equal(await store.count('w2'), 5);
        assert.equal(await store.count('w3'), 0);
      }));

    it('keeps a payload over 64 KB of JSON as a 1 KB preview', () =>
      withStore(async ({ store }) => {
        const huge = { blob: 'x'.repeat(70_000) };
        // 40 000 two-byte characters: under 64 K characters, over 64 KB of UTF-8.
        const wide = { blob: 'é'.repeat(40_000) };
        const fits = { blob: 'y'.repeat(60_000) };
        await store.add([letter('w1', 1, huge), letter('w1', 2, wide), letter('w1', 3, fits)]);
        const [kept, truncatedWide, truncated] = await store.list('w1', { limit: 10 });
        assert.deepEqual(kept?.payload, fits);
        assert.deepEqual(truncatedWide?.payload, {
          truncated: true,
          preview: JSON.stringify(wide).slice(0, 1024),
        });
        assert.deepEqual(truncated?.payload, {
          truncated: true,
          preview: JSON.stringify(huge).slice(0, 1024),
        });
        assert.deepEqual(truncated?.errors, letter('w1', 1).errors);
      }));

    it('keeps its own copy of letters', () =>
      withStore(async ({ store }) => {
        const added = letter('w1', 1, { plan: 'free' });
        await store.add([added]);
        (added.payload as JsonObject).plan = 'changed';
        const [listed] = await store.list('w1', { limit: 1 });
        assert.deepEqual(listed?.payload, { plan: 'free' });
        (listed?.payload as JsonObject).plan = 'changed';
        const [again] = await store.list('w1', { limit: 1 });
        assert.deepEqual(again?.payload, { plan: 'free' });
      }));

    it('keeps letters across a restart, with ids that keep growing', async (t) => {
      const harness = await open();
      try {
        if (!harness.reopen) return t.skip('not a durable store');
        await harness.store.add([letter('w1', 1)]);
        const [before] = await harness.store.list('w1', { limit: 1 });
        const store = await harness.reopen();
        await store.add([letter('w1', 2)]);
        const listed = await store.list('w1', { limit: 10 });
        assert.deepEqual(
          listed.map((l) => l.payload),
          [{ n: 2 }, { n: 1 }],
        );
        assert.ok((listed[0]?.id as number) > (before?.id as number));
      } finally {
        await harness.dispose();
      }
    });
  });
}
