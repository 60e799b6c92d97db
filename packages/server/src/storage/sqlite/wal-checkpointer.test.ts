import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { it } from 'node:test';
import { openTempDatabase } from './temp-database.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

const until = async (done: () => boolean, what: string) => {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(done(), `timed out waiting for ${what}`);
};

it('WAL checkpointer: a worker copies the WAL into the database file; stopped, SQLite checkpoints by itself again', async () => {
  const temp = openTempDatabase();
  try {
    const { db } = temp;
    const automatic = db.pragma('wal_autocheckpoint', { simple: true });
    const errors: Error[] = [];
    const checkpointer = startWalCheckpointer({
      db,
      intervalMs: 20,
      onError: (error) => errors.push(error),
    });
    await until(() => db.pragma('wal_autocheckpoint', { simple: true }) === 0, 'the worker');
    db.exec('CREATE TABLE filler (body TEXT NOT NULL)');
    const before = statSync(temp.path).size;
    const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(1_000) + i);
    })();
    await until(() => statSync(temp.path).size > before + 1_000_000, 'the rows in the file');
    assert.equal(db.prepare('SELECT count(*) FROM filler').pluck().get(), 2_000);

    await checkpointer.stop();
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), automatic);
    assert.deepEqual(errors, []);
    const reopened = temp.reopen();
    assert.equal(reopened.prepare('SELECT count(*) FROM filler').pluck().get(), 2_000);
  } finally {
    temp.dispose();
  }
});
