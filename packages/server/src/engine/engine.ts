import type {
  Clock,
  ClusteringDefinition,
  CohortDefinition,
  CompiledRuleSet,
  ContentItem,
  ContentSettings,
  FlagDefinition,
  ExperimentDefinition,
  BanditState,
  ExperimentTotals,
  FlowDefinition,
  PlacementDefinition,
  SegmentDefinition,
  ConsentPolicy,
  DeadLetter,
  EventType,
  FieldError,
  DeadLetterReason,
  LogEntry,
  ProfilePlan,
  ProfileSummary,
  QueuedMessage,
  RuleConfigVersion,
  RuleDefinition,
  RuleExplanation,
  RuleSettings,
  StoredFiring,
  TrackingPlan,
  Workspace,
  WorkspaceSettings,
} from '@onramp/core';
import type { EngineMetrics } from '../observability/metrics.js';
import type { PushHub } from '../realtime/push-hub.js';
import type { EngineSegments } from '../segments/engine-segments.js';
import type { EngineDecide } from '../decide/decide-contract.js';

/** A workspace with its settings compiled for the hot path. */
export interface WorkspaceRuntime {
  workspace: Workspace;
  settings: WorkspaceSettings;
  trackingPlan: TrackingPlan;
  consent: ConsentPolicy;
  /** The published rule set's plan: the settings' windows plus what the conditions need. */
  profilePlan: ProfilePlan;
  dedupWindowMs: number;
  /** The published rule config version and its compiled, indexed rule set. */
  ruleConfig: RuleConfigVersion;
  rules: CompiledRuleSet;
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

/** A new config version to validate, compile and publish; absent parts stay as they are. */
export interface RulesDraft {
  rules?: RuleDefinition[];
  /** Workspace rule settings; the current ones when absent. */
  settings?: RuleSettings;
  segments?: SegmentDefinition[];
  cohorts?: CohortDefinition[];
  clusterings?: ClusteringDefinition[];
  content?: ContentItem[];
  placements?: PlacementDefinition[];
  flows?: FlowDefinition[];
  /** The current ones when absent (the defaults, defaultLocale "en", in versions without them). */
  contentSettings?: ContentSettings;
  flags?: FlagDefinition[];
  experiments?: ExperimentDefinition[];
  source: 'file' | 'api';
  fileDigest?: string;
  note?: string;
  /** Optimistic concurrency: publish only if the current version is this one (else RuleVersionConflictError). */
  baseVersion?: number;
}

export interface DryRunRequest {
  /** A stored profile, or a profile given as a document (ProfileState shape, validated). */
  profile: ProfileLookup | { document: unknown };
  /** A Segment message to evaluate as the triggering event (validated like ingest; not stored). */
  event?: unknown;
  /** Draft rules to explain instead of the published ones. */
  rules?: RuleDefinition[];
  settings?: RuleSettings;
  /** Evaluation time (ms); the engine's clock when absent. */
  now?: number;
}

export interface DryRunResult {
  /** The published version explained, or 0 for a draft. */
  version: number;
  profileId?: string;
  /** Every rule, in priority order, with its condition tree and verdict. */
  rules: RuleExplanation[];
}

export interface SimulateRequest {
  /** The period of the log to replay: receivedAt in [from, to). */
  from: number;
  to: number;
  rules: RuleDefinition[];
  settings?: RuleSettings;
  /** Profiles sampled per rule (default 5). */
  sample?: number;
  /** Stop after this many events (default 1 000 000); `truncated` says so. */
  maxEvents?: number;
}

export interface SimulatedRule {
  ruleId: string;
  firings: number;
  profiles: number;
  /** Up to `sample` profiles it fired for (userId when known, else profile id). */
  sample: string[];
}

export interface SimulationReport {
  events: number;
  profiles: number;
  truncated: boolean;
  draft: SimulatedRule[];
  /** The published version over the same events, for comparison. */
  live: SimulatedRule[];
  liveVersion: number;
  /** Per rule id in either: draft − live firings. */
  diff: { ruleId: string; draft: number; live: number; delta: number }[];
}

/** Rules of a workspace: versions, publishing, firings, explain and simulate. */
export interface EngineRules {
  /** The published version (version 0, no rules, when none was ever published). */
  current(workspaceId: string): RuleConfigVersion;
  /** Validates (RuleConfigError naming each field) and publishes atomically: the next event sees all of it or none. */
  publish(workspaceId: string, draft: RulesDraft): Promise<RuleConfigVersion>;
  versions(
    workspaceId: string,
    options: { before?: number; limit: number },
  ): Promise<RuleConfigVersion[]>;
  version(workspaceId: string, version: number): Promise<RuleConfigVersion | undefined>;
  /** A profile's firings, newest first; undefined when the profile is unknown. */
  firings(
    workspaceId: string,
    lookup: ProfileLookup,
    options: { before?: number; limit: number },
  ): Promise<StoredFiring[] | undefined>;
  dryRun(workspaceId: string, request: DryRunRequest): Promise<DryRunResult>;
  /** Replays logged events against a draft with no side effects. */
  simulate(workspaceId: string, request: SimulateRequest): Promise<SimulationReport>;
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
  /** Messages queued by rules, oldest first, after `after` (an outbox seq); commits pending work first. */
  listQueuedMessages(
    workspaceId: string,
    options: { after?: number; limit: number },
  ): Promise<{ seq: number; message: QueuedMessage }[]>;
  /** An experiment's totals per variant, as of now (applies and commits pending events first). */
  experimentTotals(workspaceId: string, experimentId: string): Promise<ExperimentTotals>;
  /** A bandit's live state (committed totals + evidence applied since), as decide uses it. */
  banditState(workspaceId: string, experimentId: string): BanditState | undefined;
  listDeadLetters(
    workspaceId: string,
    options: { before?: number; limit: number },
  ): Promise<DeadLetter[]>;
  readonly rules: EngineRules;
  /** Segments, cohorts and clusterings: membership reads, background passes, clustering runs. */
  readonly segments: EngineSegments;
  /** Decisions per placement for a profile and request; signals for the decision push. */
  readonly decisions: EngineDecide;
  /** Runs the time triggers due at the clock's now (the scheduler calls it; tests with a manual clock too). */
  runDueTimers(): Promise<number>;
  /** Commits what the processor holds in memory (tests, admin reads that must see everything). */
  flush(): Promise<void>;
  /** True once storage is open and the processor has caught up with the log found at start. */
  isReady(): boolean;
  start(): Promise<void>;
  /** Stops taking events, commits what was acknowledged, applies it, and closes storage. */
  stop(): Promise<void>;
}

export type { LogEntry };
