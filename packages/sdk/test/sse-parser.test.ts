import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSseParser, type SseMessage } from '../src/sse-parser.js';

describe('SSE parser', () => {
  it('parses ids, events, multi-line data, retry and comments, whatever the chunking', () => {
    const text =
      'retry: 2000\r\n\r\n: heartbeat\nid: 7.1.abc\nevent: decisions\ndata: {"a":\ndata: 1}\n\n' +
      'data:no space\r\rid\nevent: x\ndata\n\n';
    const expected: SseMessage[] = [
      { id: '7.1.abc', event: 'decisions', data: '{"a":\n1}' },
      { id: '7.1.abc', event: 'message', data: 'no space' },
      { id: '', event: 'x', data: '' },
    ];
    for (const size of [1, 2, 3, 7, text.length]) {
      const messages: SseMessage[] = [];
      const parser = createSseParser((message) => messages.push(message));
      for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
      assert.deepEqual(messages, expected, `chunks of ${size}`);
      assert.equal(parser.retry, 2000);
    }
  });

  it('ignores an id with NUL, a bad retry, unknown fields and a message without data', () => {
    const messages: SseMessage[] = [];
    const parser = createSseParser((message) => messages.push(message));
    parser.push('id: 1\n\nid: a\0b\nretry: soon\nfoo: bar\nevent: only\n\ndata: x\n\n');
    assert.deepEqual(messages, [{ id: '1', event: 'message', data: 'x' }]);
    assert.equal(parser.retry, undefined);
  });
});
