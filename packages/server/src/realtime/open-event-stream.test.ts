import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { writeEventNow } from './open-event-stream.js';

/** A server whose one response stays open; resolves with it once the client has the headers. */
async function openResponse(): Promise<{
  response: ServerResponse;
  received: () => string;
  close: () => Promise<void>;
}> {
  let response: ServerResponse | undefined;
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    response = res;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let text = '';
  const client = request({ host: '127.0.0.1', port, path: '/' });
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('response', (incoming) => {
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      resolve();
    });
    client.end();
  });
  return {
    response: response as ServerResponse,
    received: () => text,
    close: async () => {
      client.destroy();
      response?.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

it('writeEventNow hands the event to the socket at once, where write() leaves it corked until the next tick', async () => {
  const { response, received, close } = await openResponse();
  try {
    const socket = response.socket;
    assert.ok(socket !== null);
    // Node's ServerResponse.write corks the socket and uncorks it on process.nextTick:
    // written in the middle of synchronous work, the bytes wait for that work to end.
    response.write('event: a\ndata: 1\n\n');
    assert.equal(socket.writableCorked, 1, 'write() corks');
    assert.ok(socket.writableLength > 0, 'and the bytes wait in the socket');
    await new Promise((resolve) => process.nextTick(resolve));
    assert.equal(socket.writableCorked, 0);

    writeEventNow(response, 'event: b\ndata: 2\n\n');
    assert.equal(socket.writableCorked, 0, 'writeEventNow leaves the socket uncorked');
    assert.equal(socket.writableLength, 0, 'and nothing waiting: the kernel has the bytes');
    // Node's own uncork on the next tick finds nothing to do, and nothing is lost or doubled.
    const deadline = Date.now() + 5_000;
    while (!received().includes('data: 2') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(received(), 'event: a\ndata: 1\n\nevent: b\ndata: 2\n\n');
  } finally {
    await close();
  }
});
