import type { MembershipChange, ProfileSummary } from '@onramp/core';

/** One message on a user's stream. `id` is the profile version: the SSE event id. */
export interface PushMessage {
  id: number;
  type: 'profile';
  data: ProfileSummary;
  /** Segments and bands entered or left by the change this message reports (sent as `segmentChanges`). */
  changes?: MembershipChange[];
  /** When the change that caused it was received (epoch ms), for latency metrics. */
  causedAt?: number;
}

/**
 * Fan-out of profile changes to the open connections of each user. In one
 * process, in memory; in cluster mode, over Redis to the node holding the
 * connection. Keeps a short per-user history so a reconnect resumes without gaps.
 */
export interface PushHub {
  /** Delivers to the user's open connections and keeps it for resumption. */
  publish(workspaceId: string, userId: string, message: PushMessage): void;
  /** Returns an unsubscribe function. */
  subscribe(
    workspaceId: string,
    userId: string,
    listener: (message: PushMessage) => void,
  ): () => void;
  /**
   * The buffered messages with id > afterId, oldest first; undefined when the
   * buffer no longer reaches back to afterId (the caller then sends a snapshot).
   */
  replay(workspaceId: string, userId: string, afterId: number): PushMessage[] | undefined;
  /** Whether publishing for this user is worth building a summary for. */
  wants(workspaceId: string, userId: string): boolean;
  connectionCount(): number;
  /** Ends every open connection (shutdown). */
  closeAll(): void;
}
