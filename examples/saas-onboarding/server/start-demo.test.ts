import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'onramp-start-demo-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

test('npm start serves the engine and the app, and SIGTERM closes both: exit 0, no WAL left', async () => {
  const [port, demoPort] = [await freePort(), await freePort()];
  // stdin closed at once (as under a process manager): the demo keeps running.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'examples/saas-onboarding/server/start-demo.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        DEMO_PORT: String(demoPort),
        ONRAMP_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes('admin key') && Date.now() < deadline) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 100, 'running'))]);
      assert.equal(early, 'running', `the demo exited before it was ready:\n${output}`);
    }
    assert.match(output, /Onramp SaaS onboarding demo/);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    const page = await fetch(`http://localhost:${demoPort}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    const files = readdirSync(dataDir);
    assert.ok(files.includes('onramp.db'), files.join(' '));
    assert.deepEqual(
      files.filter((file) => file.endsWith('-wal') || file.endsWith('-shm')),
      [],
      'the engine closed its databases',
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
