import { Deserializer, Serializer } from 'node:v8';
import {
  profileWrite,
  type EncodedProfiles,
  type ProfileEncoder,
  type ProfileState,
  type ProfileWrite,
} from '@onramp/core';

/**
 * Profile states for the commit worker in V8's own serialization (decision 31): every
 * state of a commit goes into one buffer, which lives outside the JavaScript heap and
 * moves to the worker's thread without a copy; the worker reads the states back and
 * makes their JSON text there. Against `JSON.stringify` on the event loop, this makes no
 * string per state that the garbage collector must copy and promote while the commit
 * runs, and nothing for `postMessage` to clone.
 */
export const v8Encoding = 'v8';

export interface V8EncodedProfiles extends EncodedProfiles {
  readonly encoding: typeof v8Encoding;
  /** The workspace of each state, in order. */
  readonly workspaceIds: readonly string[];
  /** The states, one `writeValue` each after the header (a Uint8Array once it crossed threads). */
  readonly bytes: Uint8Array;
}

export function createV8ProfileEncoder(): ProfileEncoder {
  const serializer = new Serializer();
  serializer.writeHeader();
  const workspaceIds: string[] = [];
  let finished = false;
  return {
    add(workspaceId: string, state: ProfileState): void {
      if (finished) throw new Error('the encoder has finished');
      serializer.writeValue(state);
      workspaceIds.push(workspaceId);
    },
    finish(): V8EncodedProfiles {
      if (finished) throw new Error('the encoder has finished');
      finished = true;
      const bytes = serializer.releaseBuffer();
      return { encoding: v8Encoding, count: workspaceIds.length, workspaceIds, bytes };
    },
  };
}

export function isV8Encoded(encoded: EncodedProfiles): encoded is V8EncodedProfiles {
  return encoded.encoding === v8Encoding;
}

/**
 * The ProfileWrites of encoded states (JSON text, timers and experiment contributions
 * made here, as profileWrite makes them). Throws on another store's encoding, a count
 * that does not match, or bytes that are not what the encoder wrote.
 */
export function decodeProfiles(encoded: EncodedProfiles): ProfileWrite[] {
  if (!isV8Encoded(encoded)) {
    throw new TypeError(`the SQLite store takes no profiles encoded as ${encoded.encoding}`);
  }
  const { workspaceIds, bytes } = encoded;
  if (workspaceIds.length !== encoded.count) {
    throw new TypeError(`${encoded.count} encoded profiles but ${workspaceIds.length} workspaces`);
  }
  const deserializer = new Deserializer(bytes);
  deserializer.readHeader();
  const writes: ProfileWrite[] = new Array(encoded.count);
  for (let i = 0; i < encoded.count; i++) {
    const state = deserializer.readValue() as ProfileState;
    writes[i] = profileWrite(workspaceIds[i] as string, state);
  }
  return writes;
}

/** The buffers a message carrying these profiles can transfer instead of copying. */
export function transferablesOf(encoded: EncodedProfiles | undefined): ArrayBuffer[] {
  if (encoded === undefined || !isV8Encoded(encoded)) return [];
  const { bytes } = encoded;
  const buffer = bytes.buffer;
  // Only a buffer of its own (releaseBuffer's is): a slice of a shared one is copied.
  if (!(buffer instanceof ArrayBuffer)) return [];
  if (bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return [];
  return [buffer];
}
