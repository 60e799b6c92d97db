import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createWalSync } from './wal-sync.js';

// Durability off the event loop: a commit is reported durable only by an fsync that
// started after it; syncs are grouped; a failed sync fails only the commits it covered.

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-walsync-'));
  const path = join(dir, 'onramp.db-wal');
  writeFileSync(path, 'frames');
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An fsync the test completes by hand; it records the descriptors it was given. */
function manualFsync() {
  const calls: { inode: number; done: (error: NodeJS.ErrnoException | null) => void }[] = [];
  return {
    calls,
    fsync: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) =>
      void calls.push({ inode: fstatSync(fd).ino, done }),
  };
}

const settled = async (promise: Promise<unknown>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('createWalSync', () => {
  it('reports a commit durable once an fsync that started after it has ended', async () => {
    const file = tempFile();
    const manual = manualFsync();
    const sync = createWalSync({ path: file.path, fsync: manual.fsync });
    const first = sync.afterCommit();
    assert.equal(manual.calls.length, 1, 'a sync starts at once when none runs');
    assert.equal(await settled(first), 'pending');
    manual.calls[0]?.done(null);
    assert.equal(await settled(first), 'resolved');
    sync.close();
    file.dispose();
  });

  it('groups the commits made while a sync runs into the next sync', async () => {
    const file = tempFile();
    const manual = manualFsync();
    const sync = createWalSync({ path: file.path, fsync: manual.fsync });
    const first = sync.afterCommit();
    const later = [sync.afterCommit(), sync.afterCommit(), sync.afterCommit()];
    assert.equal(manual.calls.length, 1, 'no second sync while one runs');
    manual.calls[0]?.done(null);
    assert.equal(await settled(first), 'resolved');
    for (const commit of later) {
      assert.equal(await settled(commit), 'pending', 'the running sync may predate them');
    }
    assert.equal(manual.calls.length, 2, 'one more sync covers all three');
    manual.calls[1]?.done(null);
    for (const commit of later) assert.equal(await settled(commit), 'resolved');
    sync.close();
    file.dispose();
  });

  it('fails only the commits a failed sync covered; the next sync serves the others', async () => {
    const file = tempFile();
    const manual = manualFsync();
    const sync = createWalSync({ path: file.path, fsync: manual.fsync });
    const first = sync.afterCommit();
    const second = sync.afterCommit();
    manual.calls[0]?.done(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await assert.rejects(first, /EIO/);
    assert.equal(await settled(second), 'pending');
    manual.calls[1]?.done(null);
    assert.equal(await settled(second), 'resolved');
    sync.close();
    file.dispose();
  });

  it('opens the file again when it was replaced, and syncs for real by default', async () => {
    const file = tempFile();
    const manual = manualFsync();
    const sync = createWalSync({ path: file.path, fsync: manual.fsync });
    const first = sync.afterCommit();
    manual.calls[0]?.done(null);
    await first;
    unlinkSync(file.path);
    writeFileSync(file.path, 'new frames');
    const second = sync.afterCommit();
    assert.notEqual(manual.calls[1]?.inode, manual.calls[0]?.inode, 'the new file, not the old');
    manual.calls[1]?.done(null);
    await second;
    sync.close();

    const real = createWalSync({ path: file.path });
    await Promise.all([real.afterCommit(), real.afterCommit()]);
    real.close();
    unlinkSync(file.path);
    const missing = createWalSync({ path: file.path });
    await assert.rejects(missing.afterCommit(), /ENOENT/, 'a missing WAL is an error');
    missing.close();
    file.dispose();
  });
});
