// GET {host}/client/v1/decisions/stream over fetch streaming: one connection per client,
// shared by every subscriber, resumed with lastEventId, reopened when the identity changes.
import { backoffDelay, isRetryable, type RetrySettings } from './backoff.js';
import { credentialsOf } from './decide.js';
import { errorOf, networkError, type OnrampError } from './errors.js';
import { isBrowser, type Timers } from './environment.js';
import type { Identity } from './identity.js';
import { withoutPrototypeKeys } from './safe-json.js';
import { createSseParser, type SseMessage } from './sse-parser.js';
import type {
  Decision,
  DecisionUpdate,
  FlagEvaluation,
  FlowView,
  SubscribeOptions,
  Unsubscribe,
} from './types.js';
import { mergeUpdate, type StreamMessage } from './merge-update.js';

/** The server sends a heartbeat every 15 s: a silent connection this long is dead. */
const silenceMs = 45_000;

export interface DecisionStreamOptions {
  host: string;
  writeKey: string;
  fetch: typeof fetch;
  identity: Identity;
  timers: Timers;
  random: () => number;
  retry: RetrySettings;
  report: (error: OnrampError) => void;
}

export interface DecisionStream {
  subscribe(listener: (update: DecisionUpdate) => void, options?: SubscribeOptions): Unsubscribe;
  readonly decisions: Readonly<Record<string, Decision>>;
  readonly flows: Readonly<Record<string, FlowView>>;
  readonly flags: Readonly<Record<string, FlagEvaluation>>;
  /** The identity changed: reconnect for it; `clear` forgets the old user's decisions now. */
  reopen(clear: boolean): void;
  close(): void;
}

interface Subscriber {
  listener: (update: DecisionUpdate) => void;
  options: SubscribeOptions;
}

export function createDecisionStream(options: DecisionStreamOptions): DecisionStream {
  const { timers } = options;
  const subscribers = new Set<Subscriber>();
  let latest: DecisionUpdate | undefined;
  let lastEventId = '';
  let controller: AbortController | undefined;
  let openQuery = '';
  let failures = 0;
  let serverRetry: number | undefined;
  let reconnectTimer: unknown;
  let closeTimer: unknown;

  const emit = (update: DecisionUpdate) => {
    latest = update;
    for (const { listener } of [...subscribers]) listener(update);
  };

  const onMessage = (message: SseMessage) => {
    if (message.event !== 'decisions') return;
    let data: StreamMessage;
    try {
      data = JSON.parse(message.data, withoutPrototypeKeys) as StreamMessage;
    } catch {
      return;
    }
    lastEventId = message.id;
    failures = 0;
    emit(mergeUpdate(latest, message.id, data));
  };

  const stop = () => {
    controller?.abort();
    controller = undefined;
    openQuery = '';
    if (reconnectTimer !== undefined) timers.clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
  };

  const retryLater = (error: OnrampError | undefined) => {
    failures++;
    if (error !== undefined && failures === 1) options.report(error);
    // The server's `retry:` is the base, within the client's maximum.
    const base = Math.min(serverRetry ?? options.retry.minDelayMs, options.retry.maxDelayMs);
    const delay = backoffDelay(failures, { ...options.retry, minDelayMs: base }, options.random);
    reconnectTimer = timers.setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
  };

  const read = async (response: Response, signal: AbortSignal, abort: () => void) => {
    const parser = createSseParser(onMessage);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let watchdog = timers.setTimeout(abort, silenceMs);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || signal.aborted) break;
        timers.clearTimeout(watchdog);
        watchdog = timers.setTimeout(abort, silenceMs);
        parser.push(decoder.decode(value, { stream: true }));
        serverRetry = parser.retry ?? serverRetry;
      }
    } finally {
      timers.clearTimeout(watchdog);
    }
  };

  const connect = () => {
    if (subscribers.size === 0) return;
    let query: string;
    try {
      query = queryOf(options.writeKey, options.identity, [...subscribers]);
    } catch (error) {
      options.report(error as OnrampError);
      return;
    }
    stop();
    openQuery = query;
    const own = new AbortController();
    controller = own;
    const resume = lastEventId === '' ? '' : `&lastEventId=${encodeURIComponent(lastEventId)}`;
    const url = `${options.host}/client/v1/decisions/stream?${query}${resume}`;
    void (async () => {
      let error: OnrampError | undefined;
      try {
        const response = await options.fetch(url, {
          headers: { accept: 'text/event-stream' },
          signal: own.signal,
        });
        if (!response.ok || response.body === null) {
          error = await errorOf(response);
          if (!isRetryable(response.status)) {
            options.report(error);
            if (controller === own) controller = undefined;
            return;
          }
        } else {
          await read(response, own.signal, () => own.abort());
        }
      } catch (caught) {
        if (controller !== own) return; // closed or replaced on purpose
        error = networkError(caught);
      }
      if (controller !== own) return;
      retryLater(error);
    })();
  };

  const stream: DecisionStream = {
    get decisions() {
      return latest?.decisions ?? {};
    },
    get flows() {
      return latest?.flows ?? {};
    },
    get flags() {
      return latest?.flags ?? {};
    },
    subscribe(listener, subscribeOptions = {}) {
      const subscriber: Subscriber = { listener, options: subscribeOptions };
      subscribers.add(subscriber);
      if (closeTimer !== undefined) timers.clearTimeout(closeTimer);
      closeTimer = undefined;
      const current = latest;
      if (current !== undefined) {
        queueMicrotask(() => {
          if (subscribers.has(subscriber) && latest === current) {
            listener({
              ...current,
              full: true,
              changed: Object.keys(current.decisions),
              changedFlags: Object.keys(current.flags),
            });
          }
        });
      }
      let query = '';
      try {
        query = queryOf(options.writeKey, options.identity, [...subscribers]);
      } catch {
        // connect() reports it
      }
      if (query !== openQuery || (controller === undefined && reconnectTimer === undefined)) {
        connect();
      }
      return () => {
        if (!subscribers.delete(subscriber) || subscribers.size > 0) return;
        // Deferred: a component that unmounts and mounts again (React StrictMode) keeps the stream.
        closeTimer = timers.setTimeout(() => {
          closeTimer = undefined;
          if (subscribers.size === 0) stop();
        }, 0);
      };
    },
    reopen(clear) {
      stop();
      lastEventId = '';
      failures = 0;
      if (clear && latest !== undefined) {
        emit({
          id: '',
          full: true,
          version: latest.version,
          profileVersion: 0,
          changed: Object.keys(latest.decisions),
          decisions: {},
          flows: {},
          changedFlags: Object.keys(latest.flags),
          flags: {},
        });
      }
      connect();
    },
    close() {
      subscribers.clear();
      stop();
    },
  };
  return stream;
}

/** The stream's query: credentials, then the union of what the subscribers asked for. */
function queryOf(writeKey: string, identity: Identity, subscribers: Subscriber[]): string {
  const params = new URLSearchParams({ writeKey });
  for (const [name, value] of Object.entries(credentialsOf(identity))) {
    params.set(name, String(value));
  }
  const lists = subscribers.map(({ options }) => options.placements);
  if (lists.every((list) => list !== undefined && list.length > 0)) {
    const all = new Set(lists.flat() as string[]);
    params.set('placements', [...all].sort().join(','));
  }
  let locale: string | undefined;
  let url: string | undefined = isBrowser() ? window.location.href : undefined;
  for (const { options } of subscribers) {
    locale = options.locale ?? locale;
    url = options.url ?? url;
  }
  if (locale !== undefined) params.set('locale', locale);
  if (url !== undefined) params.set('url', url);
  if (subscribers.some(({ options }) => options.flows === true)) params.set('flows', 'true');
  const flags = flagsOf(subscribers);
  if (flags !== undefined) params.set('flags', flags);
  return params.toString();
}

/** `all` when a subscriber wants every flag, else the union of the keys asked for. */
function flagsOf(subscribers: Subscriber[]): string | undefined {
  const keys = new Set<string>();
  for (const { options } of subscribers) {
    if (options.flags === true) return 'all';
    if (Array.isArray(options.flags)) for (const key of options.flags) keys.add(key);
  }
  return keys.size === 0 ? undefined : [...keys].sort().join(',');
}
