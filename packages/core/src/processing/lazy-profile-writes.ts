import type { ProfileState } from '../profiles/profile.js';
import {
  profileWrite,
  type EncodedProfiles,
  type ProfileEncoder,
  type ProfileWrite,
} from '../profiles/profile-store.js';

/** A snapshot's states, serialized: as JSON text, or by the store's own encoder. */
export interface SerializedProfiles {
  profiles: ProfileWrite[];
  encoded?: EncodedProfiles;
}

/**
 * The profiles of a flush's snapshot, serialized lazily (copy on write). The snapshot
 * only notes which states it holds; they are serialized afterwards, a slice at a time
 * between turns of the event loop, and a state about to change first is serialized at
 * once, as it was when the snapshot was taken. So a flush never stops event processing
 * for the time it takes to serialize every changed profile, and the commit still holds
 * exactly the states its checkpoints cover. The processor calls `beforeChange` before
 * every change to a profile in memory.
 *
 * States are serialized by the store's encoder when it has one (ProfileStore.profileEncoder),
 * as JSON text (`profileWrite`) otherwise.
 */
export class LazyProfileWrites {
  private readonly writes: ProfileWrite[] = [];
  private readonly pending = new Map<ProfileState, string>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly encoder?: ProfileEncoder) {}

  /** Notes `state` as the snapshot holds it. */
  add(workspaceId: string, state: ProfileState): void {
    this.pending.set(state, workspaceId);
  }

  /** Serializes `state` now if the snapshot still holds it unserialized. */
  beforeChange(state: ProfileState): void {
    const workspaceId = this.pending.get(state);
    if (workspaceId === undefined) return;
    this.pending.delete(state);
    this.take(workspaceId, state);
  }

  /**
   * Serializes what is left, `slice` states at a time, awaiting `pause` between slices;
   * resolves with every state serialized, or rejects with the first serialization error.
   */
  async finish(slice: number, pause?: () => Promise<void>): Promise<SerializedProfiles> {
    while (this.pending.size > 0) {
      let count = 0;
      for (const [state, workspaceId] of this.pending) {
        this.pending.delete(state);
        this.take(workspaceId, state);
        if (++count >= slice) break;
      }
      if (this.pending.size > 0 && pause !== undefined) await pause();
    }
    if (this.failure !== undefined) throw this.failure.error;
    if (this.encoder === undefined) return { profiles: this.writes };
    return { profiles: this.writes, encoded: this.encoder.finish() };
  }

  private take(workspaceId: string, state: ProfileState): void {
    if (this.failure !== undefined) return;
    try {
      if (this.encoder === undefined) this.writes.push(profileWrite(workspaceId, state));
      else this.encoder.add(workspaceId, state);
    } catch (error) {
      // A state its encoding cannot hold (a BigInt, a cycle): the flush fails and is retried.
      this.failure = { error };
    }
  }
}
