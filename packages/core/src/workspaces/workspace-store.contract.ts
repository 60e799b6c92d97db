import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Workspace, WorkspaceStore } from './workspace.js';

export interface WorkspaceStoreHarness {
  store: WorkspaceStore;
  /** Closes the store and its storage, then opens them again. Durable stores only. */
  reopen?: () => Promise<WorkspaceStore>;
  /** Closes whatever is still open and removes temporary files. */
  dispose(): Promise<void>;
}

function workspace(id: string, fields: Partial<Workspace> = {}): Workspace {
  return {
    id,
    name: `Workspace ${id}`,
    writeKey: `wk-${id}`,
    adminKey: `ak-${id}`,
    identitySecret: `secret-${id}`,
    createdAt: 1_767_225_600_000,
    ...fields,
  };
}

/** The behaviour every WorkspaceStore shares. `open` creates an empty store. */
export function describeWorkspaceStoreContract(
  name: string,
  open: () => Promise<WorkspaceStoreHarness>,
): void {
  async function withStore(body: (harness: WorkspaceStoreHarness) => Promise<void>) {
    const harness = await open();
    try {
      await body(harness);
    } finally {
      await harness.dispose();
    }
  }

  describe(`WorkspaceStore contract: ${name}`, () => {
    it('saves workspaces and finds them by id, write key and admin key', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.get('w1'), undefined);
        assert.deepEqual(await store.list(), []);
        await store.save(workspace('w1'));
        await store.save(workspace('w2'));
        assert.deepEqual(await store.get('w1'), workspace('w1'));
        assert.deepEqual(await store.findByWriteKey('wk-w2'), workspace('w2'));
        assert.deepEqual(await store.findByAdminKey('ak-w1'), workspace('w1'));
        assert.equal(await store.findByWriteKey('ak-w1'), undefined);
        assert.equal(await store.findByAdminKey('wk-w1'), undefined);
      }));

    it('lists oldest first, then by id', () =>
      withStore(async ({ store }) => {
        await store.save(workspace('b', { createdAt: 2 }));
        await store.save(workspace('c', { createdAt: 1 }));
        await store.save(workspace('a', { createdAt: 2 }));
        assert.deepEqual(
          (await store.list()).map((w) => w.id),
          ['c', 'a', 'b'],
        );
      }));

    it('replaces a workspace saved again, and forgets its old keys', () =>
      withStore(async ({ store }) => {
        await store.save(workspace('w1'));
        const rotated = workspace('w1', {
          name: 'Renamed',
          writeKey: 'wk-new',
          adminKey: 'ak-new',
        });
        await store.save(rotated);
        assert.deepEqual(await store.get('w1'), rotated);
        assert.equal(await store.findByWriteKey('wk-w1'), undefined);
        assert.equal(await store.findByAdminKey('ak-w1'), undefined);
        assert.deepEqual(await store.findByWriteKey('wk-new'), rotated);
        assert.equal((await store.list()).length, 1);
      }));

    it("refuses a workspace that reuses another one's key, and changes nothing", () =>
      withStore(async ({ store }) => {
        await store.save(workspace('w1'));
        await store.save(workspace('w2'));
        await assert.rejects(store.save(workspace('w2', { writeKey: 'wk-w1' })));
        await assert.rejects(store.save(workspace('w3', { adminKey: 'ak-w1' })));
        assert.deepEqual(await store.get('w2'), workspace('w2'));
        assert.equal(await store.get('w3'), undefined);
        assert.deepEqual(await store.findByWriteKey('wk-w1'), workspace('w1'));
        assert.deepEqual(await store.findByAdminKey('ak-w1'), workspace('w1'));
      }));

    it('keeps its own copy of workspaces', () =>
      withStore(async ({ store }) => {
        const saved = workspace('w1');
        await store.save(saved);
        saved.name = 'changed';
        const found = (await store.get('w1')) as Workspace;
        assert.equal(found.name, 'Workspace w1');
        found.name = 'changed';
        assert.equal((await store.get('w1'))?.name, 'Workspace w1');
      }));

    it('keeps workspaces across a restart', async (t) => {
      const harness = await open();
      try {
        if (!harness.reopen) return t.skip('not a durable store');
        await harness.store.save(workspace('w1'));
        const store = await harness.reopen();
        assert.deepEqual(await store.findByWriteKey('wk-w1'), workspace('w1'));
      } finally {
        await harness.dispose();
      }
    });
  });
}
