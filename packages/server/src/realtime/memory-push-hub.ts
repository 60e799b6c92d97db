import type { Clock } from '@onramp/core';
import type { EngineMetrics } from '../observability/metrics.js';
import type { PushHub, PushMessage } from './push-hub.js';

export interface MemoryPushHubOptions {
  /** Messages kept per user for resumption (Last-Event-ID). Default 50. */
  historyPerUser?: number;
  /** Users (connected or recently connected) whose history is kept; the least recently connected go first. Default 10 000. */
  maxUsersWithHistory?: number;
  /** How long a user's history outlives their last connection. Default 5 minutes. */
  idleTtlMs?: number;
  clock?: Clock;
  /** When given, `pushConnections` is kept equal to connectionCount(). */
  metrics?: Pick<EngineMetrics, 'pushConnections'>;
  /**
   * Called when a listener throws; the other listeners still get the message and
   * publish() never throws (it runs inside the processor). Default: a process warning.
   */
  onListenerError?: (error: unknown) => void;
}

type Listener = (message: PushMessage) => void;

/** One user's subscribers and recent messages. */
interface Channel {
  listeners: Set<Listener>;
  /** Ascending ids; at most historyPerUser. */
  history: PushMessage[];
  /** The history holds every message published with an id above this (Infinity: not known yet). */
  completeAfter: number;
  lastId: number;
  /** When the last listener left (for the idle TTL). */
  idleSince: number;
}

/**
 * The push hub of a single process. Only users with an open connection, or one
 * that closed less than `idleTtlMs` ago, have a channel: for everyone else
 * wants() is false and publish() is a no-op, so the engine does not even build
 * their summary. Memory is bounded by historyPerUser × (connected users +
 * maxUsersWithHistory).
 */
export function createMemoryPushHub(options: MemoryPushHubOptions = {}): PushHub {
  const historyPerUser = Math.max(1, options.historyPerUser ?? 50);
  const maxUsersWithHistory = Math.max(0, options.maxUsersWithHistory ?? 10_000);
  const idleTtlMs = options.idleTtlMs ?? 5 * 60_000;
  const clock = options.clock ?? { now: () => Date.now() };
  const onListenerError =
    options.onListenerError ??
    ((error: unknown) => process.emitWarning(`push listener failed: ${String(error)}`));
  /** Users with at least one listener. */
  const active = new Map<string, Channel>();
  /** Users whose last listener left, oldest departure first (Map keeps insertion order). */
  const idle = new Map<string, Channel>();
  let connections = 0;

  const keyOf = (workspaceId: string, userId: string): string =>
    `${workspaceId.length}:${workspaceId}${userId}`;

  function sweepIdle(): void {
    const now = clock.now();
    for (const [key, channel] of idle) {
      const overCapacity = active.size + idle.size > maxUsersWithHistory;
      if (!overCapacity && now - channel.idleSince < idleTtlMs) break;
      idle.delete(key);
    }
  }

  function channelOf(workspaceId: string, userId: string): Channel | undefined {
    const key = keyOf(workspaceId, userId);
    const channel = active.get(key);
    if (channel !== undefined) return channel;
    sweepIdle();
    return idle.get(key);
  }

  function setConnections(delta: number): void {
    connections += delta;
    options.metrics?.pushConnections.set(connections);
  }

  return {
    publish(workspaceId, userId, message) {
      const channel = channelOf(workspaceId, userId);
      if (channel === undefined) return;
      if (message.id > channel.lastId) {
        if (channel.completeAfter === Infinity) channel.completeAfter = message.id - 1;
        channel.history.push(message);
        if (channel.history.length > historyPerUser) {
          channel.completeAfter = channel.history.shift()?.id ?? channel.completeAfter;
        }
        channel.lastId = message.id;
      }
      for (const listener of [...channel.listeners]) {
        try {
          listener(message);
        } catch (error) {
          onListenerError(error);
        }
      }
    },

    subscribe(workspaceId, userId, listener) {
      const key = keyOf(workspaceId, userId);
      let channel = active.get(key);
      if (channel === undefined) {
        channel = idle.get(key);
        idle.delete(key);
        channel ??= {
          listeners: new Set(),
          history: [],
          completeAfter: Infinity,
          lastId: 0,
          idleSince: 0,
        };
        active.set(key, channel);
        sweepIdle();
      }
      const subscribed = channel;
      // A wrapper of its own, so one function subscribed twice counts as two connections.
      const wrapped: Listener = (message) => listener(message);
      subscribed.listeners.add(wrapped);
      setConnections(1);
      return () => {
        // Unsubscribing twice, or after closeAll(), changes nothing.
        if (!subscribed.listeners.delete(wrapped)) return;
        setConnections(-1);
        if (subscribed.listeners.size > 0 || active.get(key) !== subscribed) return;
        active.delete(key);
        subscribed.idleSince = clock.now();
        idle.set(key, subscribed);
        sweepIdle();
      };
    },

    replay(workspaceId, userId, afterId) {
      const channel = channelOf(workspaceId, userId);
      if (channel === undefined || channel.completeAfter === Infinity) return undefined;
      if (afterId >= channel.lastId) return [];
      if (afterId < channel.completeAfter) return undefined;
      return channel.history.filter((message) => message.id > afterId);
    },

    wants(workspaceId, userId) {
      return channelOf(workspaceId, userId) !== undefined;
    },

    connectionCount() {
      return connections;
    },

    closeAll() {
      for (const channel of active.values()) channel.listeners.clear();
      active.clear();
      idle.clear();
      setConnections(-connections);
    },
  };
}
