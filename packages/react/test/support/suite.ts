import { after, before } from 'node:test';
import { createOnramp, type OnrampClient } from '@onramp/sdk';
import { installDom } from './dom.js';
import { startEngine, type TestEngine } from './engine.js';

export interface EngineSuite {
  /** The running engine (set before the first test). */
  readonly engine: TestEngine;
  /** An SDK client signed in as `userId`, closed after the suite. */
  clientFor(userId: string): OnrampClient;
}

/**
 * The setup every jsdom test file shares: a real engine (then `setup`, e.g. publishing
 * flags), a DOM, and SDK clients closed with the suite.
 */
export function engineSuite(setup?: (engine: TestEngine) => Promise<void>): EngineSuite {
  let engine: TestEngine | undefined;
  let restore: (() => void) | undefined;
  const clients: OnrampClient[] = [];
  before(async () => {
    engine = await startEngine();
    await setup?.(engine);
    restore = installDom().restore;
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    restore?.();
    await engine?.server.close();
  });
  const started = (): TestEngine => {
    if (engine === undefined) throw new Error('the engine starts before the first test');
    return engine;
  };
  return {
    get engine() {
      return started();
    },
    clientFor(userId) {
      const current = started();
      const client = createOnramp({
        writeKey: current.server.workspace.writeKey,
        host: current.server.url,
        userId,
        userToken: current.token(userId),
        flushIntervalMs: 10,
      });
      clients.push(client);
      return client;
    },
  };
}
