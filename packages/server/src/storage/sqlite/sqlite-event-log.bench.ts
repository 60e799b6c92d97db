// Append throughput of the SQLite event log, run by hand:
//   node --import tsx packages/server/src/storage/sqlite/sqlite-event-log.bench.ts [events] [concurrency]
// Appends `events` (default 200 000) in calls of 100 events, `concurrency` calls in
// flight at a time (default 64, like 64 HTTP connections; 0 = all at once), to a
// file-backed log in a temporary folder, with durability 'full' and 'normal'.
// Prints events/s (wall clock) and CPU µs per event (the figure to trust on a
// busy machine).
import { randomUUID } from 'node:crypto';
import { systemClock } from '@onramp/core';
import type { AppendInput } from '@onramp/core';
import { createSqliteEventLog } from './sqlite-event-log.js';
import { openTempDatabase } from './temp-database.js';

const total = Number(process.argv[2] ?? 200_000);
const concurrency = Number(process.argv[3] ?? 64);
const callSize = 100;

/** The events of call number `c`, built when sent, as a request handler would. */
function makeCall(c: number, messageIds: readonly string[], now: number): AppendInput[] {
  const call: AppendInput[] = [];
  for (let i = 0; i < callSize; i++) {
    const n = c * callSize + i;
    call.push({
      workspaceId: 'default',
      event: {
        type: 'track',
        event: n % 3 === 0 ? 'Project Created' : 'Page Viewed',
        messageId: messageIds[n] as string,
        userId: `user-${n % 10_000}`,
        properties: { plan: 'pro', step: n % 7, template: 'kanban', seats: 5 },
        context: {
          library: { name: 'analytics-node', version: '3.1.0' },
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15',
          page: { path: '/projects/new', url: 'https://app.example.com/projects/new' },
        },
        timestamp: now + n,
        receivedAt: now + n,
      },
    });
  }
  return call;
}

async function run(durability: 'full' | 'normal'): Promise<void> {
  const calls = Math.ceil(total / callSize);
  const messageIds = Array.from({ length: calls * callSize }, () => randomUUID());
  const now = Date.now();
  const temp = openTempDatabase(durability);
  const log = createSqliteEventLog({
    db: temp.db,
    partitions: 8,
    dedupWindowMs: 86_400_000,
    clock: systemClock,
  });
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let next = 0;
  const sender = async () => {
    while (next < calls) await log.append(makeCall(next++, messageIds, now));
  };
  await Promise.all(Array.from({ length: concurrency > 0 ? concurrency : calls }, sender));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  await log.close();
  const eventsPerSecond = Math.round(log.stats.appended / seconds);
  console.log(
    `${durability.padEnd(6)} ${log.stats.appended} events in ${seconds.toFixed(2)} s: ` +
      `${eventsPerSecond.toLocaleString('en-US')} events/s, ${log.stats.transactions} transactions; ` +
      `CPU ${((cpu.user + cpu.system) / log.stats.appended).toFixed(1)} µs/event ` +
      `(${(cpu.system / log.stats.appended).toFixed(1)} system)`,
  );
  temp.dispose();
}

await run('full');
await run('normal');
