// What the SDK reads from its host (browser or Node), each behind a check: no global is assumed.
import type { JsonObject, StorageLike } from './types.js';

/** The SDK's version, sent as context.library.version (checked against package.json by a test). */
export const SDK_VERSION = '0.1.0';
export const SDK_NAME = '@onramp/sdk';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const globalTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function memoryStorage(): StorageLike {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, String(value)),
    removeItem: (key) => void values.delete(key),
  };
}

/** localStorage when it exists and works (not in Node, sandboxed frames or full quotas). */
export function defaultStorage(): StorageLike {
  try {
    const storage = globalThis.localStorage;
    const probe = 'onramp:probe';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return memoryStorage();
  }
}

/** A v4 UUID: crypto.randomUUID, or getRandomValues where randomUUID is missing (plain http pages). */
export function uuid(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const isBrowser = (): boolean =>
  typeof window !== 'undefined' && typeof document !== 'undefined';

/** Segment's context.page: path, referrer, search, title, url. */
export function pageContext(): JsonObject | undefined {
  if (!isBrowser()) return undefined;
  const { pathname, search, href } = window.location;
  return {
    path: pathname,
    referrer: document.referrer,
    search,
    title: document.title,
    url: href,
  };
}

/** The browser's part of every event's context: page, userAgent, locale. */
export function browserContext(): JsonObject {
  if (!isBrowser()) return {};
  const context: JsonObject = {};
  const page = pageContext();
  if (page !== undefined) context['page'] = page;
  if (typeof navigator !== 'undefined') {
    context['userAgent'] = navigator.userAgent;
    if (navigator.language) context['locale'] = navigator.language;
  }
  return context;
}

/** Calls `onHide` when the page is hidden or unloaded; returns the remover. */
export function onPageHide(onHide: () => void): () => void {
  if (!isBrowser()) return () => {};
  const visibility = () => {
    if (document.visibilityState === 'hidden') onHide();
  };
  document.addEventListener('visibilitychange', visibility);
  window.addEventListener('pagehide', onHide);
  return () => {
    document.removeEventListener('visibilitychange', visibility);
    window.removeEventListener('pagehide', onHide);
  };
}

/** Calls `onOnline` when the browser comes back online; returns the remover. */
export function onOnline(onOnline: () => void): () => void {
  if (!isBrowser()) return () => {};
  window.addEventListener('online', onOnline);
  return () => window.removeEventListener('online', onOnline);
}
