import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startChildEngine, waitReady } from '../src/testing/child-engine.js';

// Invariant 1 of ARCHITECTURE §4: an acknowledged event is never lost and never
// counted twice, across kill -9 and client retries. The engine runs as a real
// child process; the test is a Segment-like client that retries what was not acknowledged.

const writeKey = 'wk_crash_test_key';
const adminKey = 'ak_crash_test_admin_key';
const users = 40;

interface Batch {
  id: number;
  messages: { userId: string; messageId: string }[];
}

function startEngine(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): ChildProcess {
  return startChildEngine(port, {
    ONRAMP_DATA_DIR: dataDir,
    ONRAMP_WRITE_KEY: writeKey,
    ONRAMP_ADMIN_KEY: adminKey,
    ONRAMP_LOG_LEVEL: 'error',
    ONRAMP_DURABILITY: 'full',
    ...env,
  });
}

async function send(url: string, batch: Batch): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({
        batch: batch.messages.map((message) => ({ type: 'track', event: 'Tick', ...message })),
      }),
    });
    return response.status === 200;
  } catch {
    return false; // connection refused or reset: not acknowledged, the client retries
  }
}

function makeBatches(count: number, size: number): Batch[] {
  const batches: Batch[] = [];
  for (let id = 0; id < count; id++) {
    const messages = [];
    for (let i = 0; i < size; i++) {
      const n = id * size + i;
      messages.push({ userId: `user-${n % users}`, messageId: `msg-${n}` });
    }
    batches.push({ id, messages });
  }
  return batches;
}

async function profileTotals(url: string): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (let u = 0; u < users; u++) {
    const response = await fetch(`${url}/admin/v1/profiles/user/user-${u}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    if (response.status === 404) continue;
    assert.equal(response.status, 200);
    const profile = (await response.json()) as {
      metrics: { eventCount: number; events: Record<string, { total: number }> };
    };
    assert.equal(profile.metrics.eventCount, profile.metrics.events.Tick?.total ?? 0);
    totals.set(`user-${u}`, profile.metrics.eventCount);
  }
  return totals;
}

function expectedTotals(batches: Batch[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const batch of batches) {
    for (const message of batch.messages)
      totals.set(message.userId, (totals.get(message.userId) ?? 0) + 1);
  }
  return totals;
}

test(
  'kill -9 during sustained ingest: every acknowledged event is counted exactly once',
  { timeout: 180_000 },
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onramp-crash-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const batches = makeBatches(4000, 20);
    const acknowledged = new Set<number>();
    let engine = startEngine(dataDir, port);
    try {
      await waitReady(url);
      let next = 0;
      let kills = 0;
      // Four clients send concurrently while the engine is killed every few hundred milliseconds;
      // a client whose request failed backs off a little, as Segment's clients do.
      const clients = Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const batch = batches[next++] as Batch;
          if (await send(url, batch)) acknowledged.add(batch.id);
          else await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
      const killer = (async () => {
        while (next < batches.length && kills < 6) {
          await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 400));
          const exited = new Promise((resolve) => engine.once('exit', resolve));
          engine.kill('SIGKILL');
          await exited;
          kills++;
          engine = startEngine(dataDir, port);
          await waitReady(url);
        }
      })();
      await Promise.all([...clients, killer]);
      assert.ok(kills >= 3, `the engine was killed ${kills} times`);
      assert.ok(
        acknowledged.size > 0 && acknowledged.size < batches.length,
        'some batches were lost in flight',
      );

      // After a crash, acknowledged events must all be there, none twice, before any retry.
      const exited = new Promise((resolve) => engine.once('exit', resolve));
      engine.kill('SIGKILL');
      await exited;
      engine = startEngine(dataDir, port);
      await waitReady(url);
      const afterCrash = await profileTotals(url);
      const acked = expectedTotals(batches.filter((batch) => acknowledged.has(batch.id)));
      for (const [userId, count] of acked) {
        assert.ok((afterCrash.get(userId) ?? 0) >= count, `${userId}: acknowledged events lost`);
      }

      // The client retries whatever was not acknowledged (same messageIds): now exactly all, once.
      for (const batch of batches) {
        if (acknowledged.has(batch.id)) continue;
        assert.ok(await send(url, batch), `retry of batch ${batch.id}`);
      }
      // Re-sending acknowledged batches is idempotent too.
      for (const batch of batches.slice(0, 20)) assert.ok(await send(url, batch));
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(await profileTotals(url), expectedTotals(batches));
    } finally {
      engine.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  'SIGTERM during ingest: graceful shutdown loses nothing acknowledged',
  { timeout: 60_000 },
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onramp-sigterm-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const batches = makeBatches(200, 20);
    const acknowledged = new Set<number>();
    let engine = startEngine(dataDir, port);
    try {
      await waitReady(url);
      let next = 0;
      const clients = Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const batch = batches[next++] as Batch;
          if (await send(url, batch)) acknowledged.add(batch.id);
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      engine.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) =>
        engine.once('exit', (exitCode) => resolve(exitCode)),
      );
      assert.equal(code, 0, 'clean exit on SIGTERM');
      await Promise.all(clients);
      engine = startEngine(dataDir, port);
      await waitReady(url);
      const totals = await profileTotals(url);
      // Nothing was retried: the stored counts are exactly the acknowledged events.
      assert.deepEqual(
        totals,
        expectedTotals(batches.filter((batch) => acknowledged.has(batch.id))),
      );
    } finally {
      engine.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  'while the log is replayed after a crash, /healthz answers and /readyz says 503',
  { timeout: 90_000 },
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onramp-replay-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // A long flush interval: nothing is checkpointed before the crash, so all is replayed.
    const slowFlush = { ONRAMP_FLUSH_INTERVAL_MS: '60000' };
    let engine = startEngine(dataDir, port, slowFlush);
    try {
      await waitReady(url);
      const batches = makeBatches(600, 100);
      for (let i = 0; i < batches.length; i += 8) {
        const sent = await Promise.all(batches.slice(i, i + 8).map((batch) => send(url, batch)));
        assert.ok(sent.every(Boolean));
      }
      const exited = new Promise((resolve) => engine.once('exit', resolve));
      engine.kill('SIGKILL');
      await exited;
      engine = startEngine(dataDir, port, slowFlush);
      const seen = new Set<string>();
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          const [health, ready] = await Promise.all([
            fetch(`${url}/healthz`),
            fetch(`${url}/readyz`),
          ]);
          seen.add(`healthz ${health.status}`);
          seen.add(`readyz ${ready.status}`);
          if (ready.status === 200) break;
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(seen.has('readyz 503'), `readiness during the replay: ${[...seen].join(', ')}`);
      assert.ok(seen.has('healthz 200'));
      assert.ok(seen.has('readyz 200'));
      const totals = await profileTotals(url);
      assert.deepEqual(totals, expectedTotals(batches), 'the replay applied every event once');
    } finally {
      engine.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
