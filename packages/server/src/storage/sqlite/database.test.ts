import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openDatabase } from './database.js';
import { migrate, migrations } from './migrations.js';
import { openTempDatabase } from './temp-database.js';

const latest = Math.max(...migrations.map((m) => m.version));

it('opens a file database in WAL mode with the asked durability', () => {
  for (const [durability, synchronous] of [
    ['full', 2],
    ['normal', 1],
  ] as const) {
    const temp = openTempDatabase(durability);
    try {
      const { db } = temp;
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), synchronous);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    } finally {
      temp.dispose();
    }
  }
});

it('migrates once and records the schema version', () => {
  const temp = openTempDatabase();
  try {
    const versions = () =>
      temp.db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
    assert.deepEqual(
      versions(),
      migrations.map((m) => m.version),
    );
    temp.reopen();
    assert.deepEqual(
      versions(),
      migrations.map((m) => m.version),
    );
    assert.equal(migrate(temp.db), latest);
  } finally {
    temp.dispose();
  }
});

it('applies later migrations in order, each in its own transaction', () => {
  const db = openDatabase({ path: ':memory:', durability: 'normal' });
  try {
    const extra = [
      ...migrations,
      { version: latest + 2, name: 'second', sql: 'ALTER TABLE later ADD COLUMN b TEXT' },
      { version: latest + 1, name: 'first', sql: 'CREATE TABLE later (a TEXT)' },
    ];
    assert.equal(migrate(db, extra), latest + 2);
    db.prepare('INSERT INTO later (a, b) VALUES (?, ?)').run('x', 'y');
    const failing = [...extra, { version: latest + 3, name: 'bad', sql: 'CREATE TABLE later (a)' }];
    assert.throws(() => migrate(db, failing), /already exists/);
    assert.equal(migrate(db, extra), latest + 2);
  } finally {
    db.close();
  }
});

it('refuses a database written by a newer schema', () => {
  const temp = openTempDatabase();
  try {
    temp.db
      .prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)')
      .run(latest + 1, 'from the future', 0);
    assert.throws(() => temp.reopen(), /newer/);
  } finally {
    temp.dispose();
  }
});

it('migration 5 keeps every stored profile and makes profile ids unique per workspace', () => {
  const db = openDatabase({ path: ':memory:', durability: 'normal' });
  try {
    // openDatabase migrated to the latest version: start again from version 4.
    db.exec('DROP TABLE profiles; DELETE FROM schema_version WHERE version >= 5');
    db.exec(`CREATE TABLE profiles (
      workspace TEXT NOT NULL, profile_id TEXT NOT NULL, state TEXT NOT NULL,
      updated_at INTEGER NOT NULL, PRIMARY KEY (workspace, profile_id)) WITHOUT ROWID`);
    const insert = db.prepare('INSERT INTO profiles VALUES (?, ?, ?, ?)');
    insert.run('w1', 'p2', '{"id":"p2"}', 2);
    insert.run('w1', 'p1', '{"id":"p1"}', 1);
    insert.run('w2', 'p1', '{"id":"p1","w":2}', 3);
    assert.equal(migrate(db), latest);
    assert.deepEqual(
      db
        .prepare('SELECT workspace, profile_id, state, updated_at FROM profiles ORDER BY rowid')
        .raw()
        .all(),
      [
        ['w1', 'p1', '{"id":"p1"}', 1],
        ['w1', 'p2', '{"id":"p2"}', 2],
        ['w2', 'p1', '{"id":"p1","w":2}', 3],
      ],
    );
    assert.throws(() => insert.run('w1', 'p1', '{"id":"p1"}', 4), /UNIQUE/);
  } finally {
    db.close();
  }
});
