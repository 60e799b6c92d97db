import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const storageModule = fileURLToPath(new URL('./sqlite-storage.ts', import.meta.url));
const coreModule = fileURLToPath(new URL('../../../../core/src/index.ts', import.meta.url));

it('closes with both WALs checkpointed and removed, even when the process exits right after', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-storage-'));
  try {
    // A process that appends, commits a profile (the commit worker starts), closes the
    // storage and exits at once, as the demo launcher does on SIGTERM.
    const script = join(dir, 'run.mts');
    writeFileSync(
      script,
      `import { openSqliteStorage } from ${JSON.stringify(storageModule)};
import { createManualClock, profileWrite } from ${JSON.stringify(coreModule)};
const storage = openSqliteStorage({ path: ${JSON.stringify(join(dir, 'onramp.db'))},
  durability: 'full', partitions: 1, clock: createManualClock(1), dedupWindowMs: 60_000 });
await storage.eventLog.append([{ workspaceId: 'ws', event: { type: 'track', event: 'E',
  userId: 'u1', messageId: 'm1', timestamp: 1, receivedAt: 1 } }]);
const state = { id: 'p1', anonymousIds: [], version: 1, firstSeen: 1, lastSeen: 1, traits: {},
  events: {}, untrackedEvents: 0, eventCount: 1, sessions: { count: 0, totalDurationMs: 0,
  previousDurationMs: null, events: 0 } };
await storage.profileStore.commit({ profiles: [profileWrite('ws', state)], identities: [],
  deletedProfiles: [], checkpoints: new Map([[0, 1]]) });
await storage.eventLog.close();
await storage.profileStore.close();
await storage.close();
process.exit(0);
`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    for (const file of ['onramp.db', 'onramp-events.db']) {
      assert.ok(existsSync(join(dir, file)), file);
      assert.ok(!existsSync(join(dir, `${file}-wal`)), `${file}-wal is gone`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
