import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';

/** The repository root: children run from there so that tsx and workspaces resolve. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Loopback only: benchmarks never listen beyond this machine. */
export const loopback = '127.0.0.1';

export interface ChildServer {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the child has exited. */
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  name: string;
  /** Script and arguments, run as `node [nodeArgs] --import tsx <args>` from the repository root. */
  args: readonly string[];
  nodeArgs?: readonly string[];
  env?: Record<string, string>;
  /** GET this path until it answers 200. */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
  cleanup: Cleanup;
}

/** A port free on the loopback interface right now (the child binds it next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, loopback, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a Node child process serving HTTP on a free loopback port and waits until it is ready. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://${loopback}:${port}`;
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', ...options.args],
    {
      cwd: repoRoot,
      env: { ...process.env, ...options.env, PORT: String(port), HOST: loopback },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let running = true;
  void exited.then(() => (running = false));

  const kill = async () => {
    if (!running) return;
    child.kill('SIGTERM');
    const grace = sleep(options.stopGraceMs ?? 10_000, 'timeout');
    if ((await Promise.race([exited, grace])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const stop = options.cleanup.add(kill, () => {
    if (running) child.kill('SIGKILL');
  });
  const output = () => lines.join('\n');

  try {
    await waitUntilReady(
      `${url}${options.readyPath ?? '/readyz'}`,
      options.readyTimeoutMs ?? 30_000,
      () => (running ? undefined : `${options.name} exited before it was ready:\n${output()}`),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, url, pid: child.pid ?? -1, output, stop };
}

async function waitUntilReady(
  url: string,
  timeoutMs: number,
  failure: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const failed = failure();
    if (failed !== undefined) throw new Error(failed);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last})`);
}
