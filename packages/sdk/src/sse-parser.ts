// A server-sent events parser (the WHATWG event stream format), fed with decoded text chunks.

export interface SseMessage {
  /** The last event id when the message was dispatched ('' if none yet). */
  id: string;
  event: string;
  data: string;
}

export interface SseParser {
  push(chunk: string): void;
  /** The last `retry:` value, in ms. */
  readonly retry: number | undefined;
}

export function createSseParser(onMessage: (message: SseMessage) => void): SseParser {
  let buffer = '';
  let lastId = '';
  let event = '';
  let data: string[] = [];
  let retry: number | undefined;

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0)
        onMessage({ id: lastId, event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  };

  return {
    get retry() {
      return retry;
    },
    push(chunk) {
      buffer += chunk;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const char = buffer[i];
        if (char !== '\n' && char !== '\r') continue;
        // A \r at the end of the chunk may be the first half of \r\n: wait for more.
        if (char === '\r' && i === buffer.length - 1) break;
        line(buffer.slice(start, i));
        if (char === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}
