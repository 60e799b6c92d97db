import type {
  Clock,
  ConsentPolicy,
  DeadLetter,
  EventType,
  FieldError,
  DeadLetterReason,
  LogEntry,
  ProfilePlan,
  ProfileSummary,
  TrackingPlan,
  Workspace,
  WorkspaceSettings,
} from '@onramp/core';
import type { EngineMetrics } from '../observability/metrics.js';
import type { PushHub } from '../realtime/push-hub.js';

/** A workspace with its settings compiled for the hot path. */
export interface WorkspaceRuntime {
  workspace: Workspace;
  settings: WorkspaceSettings;
  trackingPlan: TrackingPlan;
  consent: ConsentPolicy;
  profilePlan: ProfilePlan;
  dedupWindowMs: number;
}

export interface IngestRequest {
  /** The parsed messages: one for /v1/track etc., the `batch` array for /v1/batch. */
  inputs: readonly unknown[];
  isBatch: boolean;
  /** The type implied by the endpoint (/v1/track → track); absent for batch. */
  endpointType?: EventType;
  /** The batch's `sentAt` in epoch ms, when it had a valid one. */
  batchSentAt?: number;
  /** Whether the body was larger than the per-message limit, so messages must be measured. */
  measureSize: boolean;
}

export interface RejectedMessage {
  index: number;
  reason: DeadLetterReason;
  errors: FieldError[];
}

export interface IngestReport {
  accepted: number;
  duplicates: number;
  droppedForConsent: number;
  flagged: number;
  rejected: RejectedMessage[];
}

/** How a caller names a profile. */
export type ProfileLookup = { userId: string } | { anonymousId: string } | { profileId: string };

export interface ProfileEventsPage {
  events: { offset: number; event: Record<string, unknown> }[];
  /** Pass as `before` to get the next (older) page; absent on the last page. */
  nextBefore?: number;
}

/** The running engine: what the HTTP layer and the CLI call. */
export interface Engine {
  readonly clock: Clock;
  readonly metrics: EngineMetrics;
  readonly push: PushHub;
  workspaceByWriteKey(writeKey: string): WorkspaceRuntime | undefined;
  workspaceByAdminKey(adminKey: string): WorkspaceRuntime | undefined;
  workspaceById(id: string): WorkspaceRuntime | undefined;
  /** Validates, de-duplicates, consent-checks and durably appends; resolves after commit. */
  ingest(workspace: WorkspaceRuntime, request: IngestRequest): Promise<IngestReport>;
  getProfile(workspaceId: string, lookup: ProfileLookup): Promise<ProfileSummary | undefined>;
  listProfileEvents(
    workspaceId: string,
    lookup: ProfileLookup,
    options: { before?: number; limit: number },
  ): Promise<ProfileEventsPage | undefined>;
  listDeadLetters(
    workspaceId: string,
    options: { before?: number; limit: number },
  ): Promise<DeadLetter[]>;
  /** True once storage is open and the processor has caught up with the log found at start. */
  isReady(): boolean;
  start(): Promise<void>;
  /** Stops taking events, commits what was acknowledged, applies it, and closes storage. */
  stop(): Promise<void>;
}

export type { LogEntry };
