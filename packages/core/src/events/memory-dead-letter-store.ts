import type { JsonValue } from '../json/json.js';
import type { DeadLetter, DeadLetterStore } from './dead-letter-store.js';

/** A payload whose JSON is larger than this (UTF-8 bytes) is kept as a preview only. */
export const maxDeadLetterPayloadBytes = 64 * 1024;
/** Characters of the JSON kept in the preview of a truncated payload. */
export const deadLetterPreviewChars = 1024;

/**
 * The payload as a store keeps it: as is, or `{ truncated: true, preview }` with
 * the first KB of its JSON when that JSON exceeds 64 KB. Returns the JSON text too,
 * so a store that persists it serializes only once.
 */
export function truncateDeadLetterPayload(payload: JsonValue): {
  payload: JsonValue;
  json: string;
} {
  let json: string;
  try {
    json = JSON.stringify(payload) ?? 'null';
  } catch {
    // Too deeply nested to serialize (the stack overflows): keep a marker, never fail the request.
    const marker = { truncated: true, preview: '(too deeply nested to keep)' };
    return { payload: marker, json: JSON.stringify(marker) };
  }
  if (!exceedsUtf8Bytes(json, maxDeadLetterPayloadBytes)) return { payload, json };
  const marker = { truncated: true, preview: json.slice(0, deadLetterPreviewChars) };
  return { payload: marker, json: JSON.stringify(marker) };
}

function exceedsUtf8Bytes(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A surrogate pair is 4 bytes: 2 + 2 for its two halves.
    bytes += code < 0x80 ? 1 : code < 0x800 || (code >= 0xd800 && code < 0xe000) ? 2 : 3;
    if (bytes > limit) return true;
  }
  return false;
}

/** Dead letters in memory: real code for tests and simulations. */
export function createMemoryDeadLetterStore(): DeadLetterStore {
  const byWorkspace = new Map<string, DeadLetter[]>();
  let lastId = 0;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('dead-letter store is closed');
  }

  return {
    async add(letters) {
      assertOpen();
      const copies = letters.map(({ payload, ...rest }) => ({
        ...structuredClone(rest),
        payload: structuredClone(truncateDeadLetterPayload(payload).payload),
      }));
      for (const letter of copies) {
        const stored: DeadLetter = { id: ++lastId, ...letter };
        const list = byWorkspace.get(letter.workspaceId);
        if (list) list.push(stored);
        else byWorkspace.set(letter.workspaceId, [stored]);
      }
    },
    async list(workspaceId, { limit, beforeId }) {
      assertOpen();
      const letters = byWorkspace.get(workspaceId) ?? [];
      // Ids grow in insertion order: find the first letter at or after beforeId.
      let end = letters.length;
      if (beforeId !== undefined) {
        let low = 0;
        while (low < end) {
          const mid = (low + end) >>> 1;
          if ((letters[mid] as DeadLetter).id < beforeId) low = mid + 1;
          else end = mid;
        }
      }
      const page: DeadLetter[] = [];
      for (let i = end - 1; i >= 0 && page.length < limit; i--) {
        page.push(structuredClone(letters[i] as DeadLetter));
      }
      return page;
    },
    async count(workspaceId) {
      assertOpen();
      return byWorkspace.get(workspaceId)?.length ?? 0;
    },
    async close() {
      closed = true;
    },
  };
}
