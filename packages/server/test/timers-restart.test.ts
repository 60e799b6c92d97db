import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startChildEngine, stopChild, waitReady } from '../src/testing/child-engine.js';

// A time trigger on the real clock across a real kill -9: armed before the crash,
// fired by the restarted engine within 1 s of its due time, and only once.

const writeKey = 'wk_timer_restart_key';
const adminKey = 'ak_timer_restart_admin';
const idleMs = 8_000;

const config = `
workspace: { id: timers, name: Timer restart }
rules:
  - id: idle-help
    trigger: { type: inactive, for: ${idleMs / 1000}s }
    actions:
      - { type: decide, placement: modal, content: need-help }
`;

function startEngine(dataDir: string, configPath: string, port: number): ChildProcess {
  return startChildEngine(port, {
    ONRAMP_DATA_DIR: dataDir,
    ONRAMP_CONFIG: configPath,
    ONRAMP_WRITE_KEY: writeKey,
    ONRAMP_ADMIN_KEY: adminKey,
    ONRAMP_LOG_LEVEL: 'error',
    ONRAMP_FLUSH_INTERVAL_MS: '100',
  });
}

async function firings(url: string): Promise<{ ruleId: string; at: string }[]> {
  const response = await fetch(`${url}/admin/v1/profiles/user/sleeper/firings`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  const text = await response.text();
  if (response.status === 404) return [];
  assert.equal(response.status, 200, text);
  return (JSON.parse(text) as { firings: { ruleId: string; at: string }[] }).firings;
}

test('an inactivity timer survives kill -9 and fires once, within 1 s of its due time', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-timers-'));
  const configPath = join(dataDir, 'onramp.yaml');
  writeFileSync(configPath, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child = startEngine(dataDir, configPath, port);
  try {
    await waitReady(url);
    const response = await fetch(`${url}/v1/track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ userId: 'sleeper', event: 'Page Viewed' }),
    });
    assert.equal(response.status, 200);
    const sentAt = Date.now();
    // Let the processor commit the profile (and its armed timer), then crash.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await stopChild(child, 'SIGKILL');

    child = startEngine(dataDir, configPath, port);
    await waitReady(url);
    assert.ok(Date.now() < sentAt + idleMs, 'the restart finished before the timer was due');
    assert.deepEqual(await firings(url), [], 'not fired early');

    let fired: { ruleId: string; at: string }[] = [];
    const deadline = sentAt + idleMs + 5_000;
    while (fired.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      fired = await firings(url);
    }
    assert.equal(fired.length, 1, 'fired after the restart');
    const profile = (await (
      await fetch(`${url}/admin/v1/profiles/user/sleeper`, {
        headers: { authorization: `Bearer ${adminKey}` },
      })
    ).json()) as { lastSeen: string; decisions: Record<string, { content: string }> };
    const dueAt = Date.parse(profile.lastSeen) + idleMs;
    const lateness = Date.parse(fired[0]?.at ?? '') - dueAt;
    assert.ok(lateness >= 0 && lateness <= 1_000, `fired ${lateness} ms after due`);
    assert.equal(profile.decisions['modal']?.content, 'need-help');

    // Once: neither waiting nor another restart fires it again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stopChild(child, 'SIGTERM');
    child = startEngine(dataDir, configPath, port);
    await waitReady(url);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal((await firings(url)).length, 1);
  } finally {
    await stopChild(child, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
