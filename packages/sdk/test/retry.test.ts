import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { createOnramp, memoryStorage, type OnrampError } from '../src/index.js';
import { freePort, startEngine, storedEvents, type Engine } from './support/engine.js';
import { manualTimers } from './support/manual-timers.js';

// Retries against a real engine that is down, then up, then restarted on the same port.

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('retries', () => {
  it('backs off while nothing listens, then delivers once the engine is up; again after a restart', async () => {
    const port = await freePort();
    const host = `http://127.0.0.1:${port}`;
    // The write key is only known once the engine has started: start it once to learn it.
    let engine: Engine = await startEngine({ port });
    const { writeKey, dataDir } = engine;
    await engine.stop({ keepData: true });

    const timers = manualTimers();
    const errors: OnrampError[] = [];
    const onramp = createOnramp({
      writeKey,
      host,
      storage: memoryStorage(),
      timers,
      random: () => 0.5,
      retry: { minDelayMs: 100, maxDelayMs: 1000 },
      onError: (error) => errors.push(error),
    });
    onramp.track('Sent While Down');
    await onramp.flush();
    assert.equal(errors[0]?.code, 'ONR_NETWORK');
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      delays.push(...timers.pending());
      timers.fireAll();
      await onramp.flush();
    }
    // min·2^(n−1), capped at max, three quarters of it with random() = 0.5.
    assert.deepEqual(delays, [75, 150, 300, 600, 750, 750]);
    assert.equal(errors.length, 1, 'one report for the run of failures');

    engine = await startEngine({ port, dataDir });
    cleanup.push(() => engine.stop());
    timers.fireAll();
    await onramp.flush();
    assert.deepEqual(timers.pending(), [], 'delivered: no retry pending');
    const first = await storedEvents(engine, 'anonymous', onramp.anonymousId);
    assert.deepEqual(
      first.map((event) => event['event']),
      ['Sent While Down'],
    );

    await engine.stop({ keepData: true });
    onramp.track('Sent During Restart');
    await onramp.flush();
    assert.equal(timers.pending().length, 1);
    engine = await startEngine({ port, dataDir });
    timers.fireAll();
    await onramp.flush();
    const both = await storedEvents(engine, 'anonymous', onramp.anonymousId);
    assert.deepEqual(both.map((event) => event['event']).sort(), [
      'Sent During Restart',
      'Sent While Down',
    ]);
    await onramp.close();
  });

  it('waits as long as Retry-After says, retries 5xx, and then delivers through the proxy', async () => {
    const engine = await startEngine();
    cleanup.push(() => engine.stop());
    const target = new URL(engine.url);
    const answers = [
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, headers: {} },
    ];
    // A reverse proxy in front of the engine that first refuses twice, as an overloaded one would.
    const proxy: Server = createServer((incoming, outgoing) => {
      const answer = answers.shift();
      if (answer !== undefined) {
        incoming.resume();
        outgoing.writeHead(answer.status, answer.headers).end();
        return;
      }
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      incoming.pipe(forwarded);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => proxy.close(() => resolve())));
    const address = proxy.address();
    assert.ok(address !== null && typeof address === 'object');

    const timers = manualTimers();
    const errors: OnrampError[] = [];
    const onramp = createOnramp({
      writeKey: engine.writeKey,
      host: `http://127.0.0.1:${address.port}`,
      storage: memoryStorage(),
      timers,
      random: () => 0.5,
      retry: { minDelayMs: 100, maxDelayMs: 1000 },
      onError: (error) => errors.push(error),
    });
    onramp.track('Through The Proxy');
    await onramp.flush();
    assert.deepEqual(timers.pending(), [7000], 'Retry-After: 7');
    assert.equal(errors[0]?.status, 429);
    timers.fireAll();
    await onramp.flush();
    assert.deepEqual(timers.pending(), [150], 'a 503 is retried with backoff (second failure)');
    timers.fireAll();
    await onramp.flush();
    assert.deepEqual(timers.pending(), []);
    const stored = await storedEvents(engine, 'anonymous', onramp.anonymousId);
    assert.deepEqual(
      stored.map((event) => event['event']),
      ['Through The Proxy'],
    );
    await onramp.close();
  });
});
