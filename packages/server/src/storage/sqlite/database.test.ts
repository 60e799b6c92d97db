import assert from 'node:assert/strict';
import { it } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { eventLogPath, openDatabase } from './database.js';
import { migrate, migrations, moveEventLogRows } from './migrations.js';
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

const tablesOf = (db: BetterSqlite3.Database, schema: 'main' | 'log') =>
  db
    .prepare(`SELECT name FROM ${schema}.sqlite_master WHERE type = 'table' ORDER BY name`)
    .pluck()
    .all() as string[];
const logTables = ['event_identities', 'events', 'log_settings'];

it('keeps the event log in a file of its own, attached as the schema log', () => {
  assert.equal(eventLogPath('/data/onramp.db'), '/data/onramp-events.db');
  assert.equal(eventLogPath('/data/store'), '/data/store-events');
  assert.equal(eventLogPath(':memory:'), ':memory:');
  const temp = openTempDatabase('full');
  try {
    const { db } = temp;
    assert.ok(existsSync(eventLogPath(temp.path)));
    assert.deepEqual(tablesOf(db, 'log'), logTables);
    for (const table of logTables) assert.ok(!tablesOf(db, 'main').includes(table), table);
    assert.equal(db.pragma('log.journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('log.synchronous', { simple: true }), 2);
  } finally {
    temp.dispose();
  }
});

it('moves the event log of a database written before migration 7 into its own file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-sqlite-'));
  const path = join(dir, 'onramp.db');
  try {
    // The layout before migration 7: the log's tables in the main file, no events file.
    const old = new BetterSqlite3(path);
    migrate(
      old,
      migrations.filter((m) => m.version < 7),
    );
    const insert = old.prepare(
      `INSERT INTO events (log_offset, log_partition, workspace, identity, message_id, received_at, event)
       VALUES (?, ?, 'ws', 'u:ann', ?, 1, '{}')`,
    );
    for (let i = 1; i <= 5; i++) insert.run(i * 3, i % 2, `m${i}`);
    old.prepare('INSERT INTO event_identities VALUES (42, 3), (42, 6)').run();
    old.prepare("INSERT INTO log_settings VALUES ('partitions', 2)").run();
    old.close();
    assert.ok(!existsSync(eventLogPath(path)));

    const db = openDatabase({ path, durability: 'normal' });
    const rows = () => ({
      events: db.prepare('SELECT log_offset, message_id FROM log.events ORDER BY 1').raw().all(),
      identities: db.prepare('SELECT count(*) FROM log.event_identities').pluck().get(),
      settings: db.prepare('SELECT name, value FROM log.log_settings').raw().all(),
    });
    const expected = {
      events: [1, 2, 3, 4, 5].map((i) => [i * 3, `m${i}`]),
      identities: 2,
      settings: [['partitions', 2]],
    };
    try {
      assert.deepEqual(rows(), expected);
      for (const table of logTables) assert.ok(!tablesOf(db, 'main').includes(table), table);
      assert.equal(migrate(db), latest);
      // A crash after the copy and before migration 7: the copy runs again, adding nothing.
      db.exec('CREATE TABLE main.events AS SELECT * FROM log.events');
      db.exec('CREATE TABLE main.event_identities AS SELECT * FROM log.event_identities');
      db.exec('CREATE TABLE main.log_settings AS SELECT * FROM log.log_settings');
      moveEventLogRows(db);
      assert.deepEqual(rows(), expected);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
