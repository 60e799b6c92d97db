// The offline queue: events waiting to be sent (or held for consent), kept in storage.
import { parseOr } from './safe-json.js';
import type { JsonObject, StorageLike } from './types.js';

export interface QueuedEvent {
  message: JsonObject & { messageId: string };
  /** Consent categories the event needs. */
  categories: string[];
  /** Waiting for consent: not sent until granted, dropped when refused. */
  held: boolean;
}

export interface EventQueue {
  readonly items: readonly QueuedEvent[];
  /** Appends; returns the events dropped (oldest first) to stay within maxSize. */
  push(item: QueuedEvent): QueuedEvent[];
  /** Removes the events with these messageIds. */
  remove(messageIds: ReadonlySet<string>): void;
  /** Writes the queue to storage (coalesced: one write per tick). */
  save(): void;
  clear(): void;
}

export function createEventQueue(options: {
  storage: StorageLike;
  key: string;
  maxSize: number;
}): EventQueue {
  const { storage, key, maxSize } = options;
  let items: QueuedEvent[] = parseOr<unknown[]>(storage.getItem(key), []).filter(isQueuedEvent);
  let saving = false;

  const write = () => {
    saving = false;
    try {
      if (items.length === 0) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(items));
    } catch {
      // Full or unavailable storage: the queue still lives in memory.
    }
  };
  const queue: EventQueue = {
    get items() {
      return items;
    },
    push(item) {
      items.push(item);
      const dropped = items.length > maxSize ? items.splice(0, items.length - maxSize) : [];
      queue.save();
      return dropped;
    },
    remove(messageIds) {
      if (messageIds.size === 0) return;
      items = items.filter((item) => !messageIds.has(item.message.messageId));
      queue.save();
    },
    save() {
      if (saving) return;
      saving = true;
      queueMicrotask(write);
    },
    clear() {
      items = [];
      write();
    },
  };
  return queue;
}

function isQueuedEvent(value: unknown): value is QueuedEvent {
  const item = value as Partial<QueuedEvent> | null;
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof item.message === 'object' &&
    item.message !== null &&
    typeof item.message.messageId === 'string' &&
    Array.isArray(item.categories) &&
    typeof item.held === 'boolean'
  );
}
