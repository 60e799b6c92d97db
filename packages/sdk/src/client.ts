// createOnramp: the client the app holds. Wires identity, consent, the queue, delivery and
// the decision stream; the tracking calls never throw (problems go to onError).
import { defaultRetry } from './backoff.js';
import { createConsentState, onlyBooleans } from './consent.js';
import { decide } from './decide.js';
import { createDecisionStream } from './decision-stream.js';
import { createDelivery } from './delivery.js';
import { defaultStorage, globalTimers, onOnline, onPageHide } from './environment.js';
import { OnrampError } from './errors.js';
import { createEventQueue } from './event-queue.js';
import { createEventFactory } from './event-factory.js';
import { flagOf, flagValue } from './flag-value.js';
import { createIdentity } from './identity.js';
import type { OnrampClient, OnrampOptions } from './types.js';

export function createOnramp(options: OnrampOptions): OnrampClient {
  if (typeof options?.writeKey !== 'string' || options.writeKey === '') {
    throw new TypeError('createOnramp: writeKey must be a non-empty string');
  }
  if (typeof options.host !== 'string' || !/^https?:\/\//.test(options.host)) {
    throw new TypeError('createOnramp: host must be an http(s) URL, e.g. http://localhost:4000');
  }
  const host = options.host.replace(/\/+$/, '');
  const storage = options.storage ?? defaultStorage();
  const prefix = `onramp:${options.writeKey}:`;
  const fetcher = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timers = options.timers ?? globalTimers;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const retry = { ...defaultRetry, ...options.retry };
  const report = reporter(options.onError);

  const identity = createIdentity({
    storage,
    prefix,
    userId: options.userId,
    token: options.userToken,
  });
  const consent = createConsentState({
    storage,
    key: `${prefix}consent`,
    initial: options.consent?.preferences,
  });
  const queue = createEventQueue({
    storage,
    key: `${prefix}queue`,
    maxSize: Math.max(1, options.maxQueueSize ?? 1000),
  });
  const delivery = createDelivery({
    host,
    writeKey: options.writeKey,
    fetch: fetcher,
    queue,
    timers,
    now,
    random,
    flushAt: Math.max(1, options.flushAt ?? 20),
    flushIntervalMs: Math.max(0, options.flushIntervalMs ?? 1000),
    retry,
    report,
  });
  const stream = createDecisionStream({
    host,
    writeKey: options.writeKey,
    fetch: fetcher,
    identity,
    timers,
    random,
    retry,
    report,
  });
  const events = createEventFactory({ identity, consent, queue, delivery, now, report, options });
  const removeListeners = [
    onPageHide(() => delivery.flushOnHide()),
    onOnline(() => void delivery.flush()),
  ];
  if (queue.items.length > 0) delivery.schedule();

  const client: OnrampClient = {
    track: events.track,
    page: events.page,
    group: events.group,
    alias: events.alias,
    interaction: events.interaction,
    identify(userId, traits, eventOptions) {
      if (userId !== null && (typeof userId !== 'string' || userId === '')) {
        report(
          new OnrampError(
            0,
            'ONR_SDK_INVALID',
            'identify: userId must be a non-empty string or null',
            [{ field: 'userId', message: 'must be a non-empty string or null' }],
          ),
        );
        return;
      }
      const token = eventOptions?.token;
      const changed = userId !== null && identity.setUser(userId, token);
      events.identify(traits, eventOptions);
      if (changed) stream.reopen(false);
    },
    flush: () => delivery.flush(),
    decide: (placements, decideOptions) =>
      decide(
        { host, writeKey: options.writeKey, fetch: fetcher, identity, consent: consent.get() },
        placements,
        decideOptions,
      ),
    subscribe: (listener, subscribeOptions) => stream.subscribe(listener, subscribeOptions),
    getDecisions: () => stream.decisions,
    getFlows: () => stream.flows,
    getFlags: () => stream.flags,
    getFlag: (key, defaultValue) => flagValue(flagOf(stream.flags, key), defaultValue),
    setConsent(preferences) {
      consent.set(onlyBooleans(preferences));
      events.consentChanged();
    },
    getConsent: () => consent.get(),
    get anonymousId() {
      return identity.anonymousId;
    },
    get userId() {
      return identity.userId;
    },
    reset() {
      identity.reset();
      stream.reopen(true);
    },
    async close() {
      for (const remove of removeListeners) remove();
      stream.close();
      await delivery.flush();
      delivery.close();
    },
  };
  return client;
}

/** onError, or one console warning for the life of the client. */
function reporter(onError: ((error: OnrampError) => void) | undefined) {
  let warned = false;
  return (error: OnrampError) => {
    if (onError !== undefined) {
      try {
        onError(error);
      } catch {
        // The app's handler must not break delivery.
      }
    } else if (!warned && typeof console !== 'undefined') {
      warned = true;
      console.warn(
        `[onramp] ${error.code}: ${error.message} (further errors are not logged; pass onError to see them)`,
      );
    }
  };
}
