import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  LiveBandits,
  Processor,
  anonymousIdentity,
  compileConsentPolicy,
  compileTrackingPlan,
  parseDuration,
  partitionIdentity,
  prepareMessages,
  summarizeProfile,
  userIdentity,
  type Clock,
  type ClusterRunStore,
  type DeadLetterStore,
  type EventLog,
  type IdentityKey,
  type OnrampEvent,
  type ProfileState,
  type ProfileStore,
  type RuleConfigStore,
  type RuleConfigVersion,
  type Workspace,
  type WorkspaceSettings,
  type WorkspaceStore,
} from '@onramp/core';
import type { EngineMetrics } from '../observability/metrics.js';
import type { PushHub } from '../realtime/push-hub.js';
import { TimerScheduler } from '../rules/timer-scheduler.js';
import { runClusteringInWorker } from '../clustering/cluster-worker.js';
import {
  createEngineSegments,
  type ClusteringInput,
  type ClusteringOutput,
} from '../segments/engine-segments.js';
import { createLivePopulation } from '../segments/live-population-control.js';
import type { PopulationControl } from '../segments/population-control.js';
import { presentEvent, senderIdentities, toJsonPayload } from './engine-inputs.js';
import { createEngineDecide, identityOfLookup } from '../decide/engine-decide.js';
import { createChangePublisher } from './publish-changes.js';
import { compileRules, createEngineRules, emptyRuleConfig } from './engine-rules.js';
import type {
  Engine,
  IngestReport,
  IngestRequest,
  ProfileLookup,
  WorkspaceRuntime,
} from './engine.js';

export interface EngineStorage {
  eventLog: EventLog;
  profileStore: ProfileStore;
  deadLetters: DeadLetterStore;
  workspaces: WorkspaceStore;
  ruleConfigs: RuleConfigStore;
  clusterRuns: ClusterRunStore;
}

export interface EngineOptions {
  storage: EngineStorage;
  clock: Clock;
  logger: Logger;
  metrics: EngineMetrics;
  push: PushHub;
  /** The settings of each workspace (validated config); defaults apply to the others. */
  settingsOf: (workspace: Workspace) => WorkspaceSettings;
  /** How often changed profiles are committed with their checkpoint (ms, default 1000). */
  flushIntervalMs?: number;
  /** Commit sooner, as soon as this many profiles changed (default 200): keeps each flush's blocking steps short. */
  flushProfiles?: number;
  cacheCapacity?: number;
  /** Runs a clustering (default: in a worker thread). */
  runClustering?: (input: ClusteringInput) => Promise<ClusteringOutput>;
  /** Segment maintenance: size samples, re-band checks, scheduled clusterings (ms). */
  segmentMaintenanceMs?: number;
  sizeSampleMs?: number;
  /** How often open decision streams are re-checked for decisions that expire (ms, default 1000). */
  decisionTickMs?: number;
}

/**
 * Compiles a workspace's settings and published rules once, when it is loaded or
 * its config changes. Throws on rules that no longer compile.
 */
export function compileWorkspace(
  workspace: Workspace,
  settings: WorkspaceSettings,
  ruleConfig: RuleConfigVersion = emptyRuleConfig(workspace.id),
): WorkspaceRuntime {
  const rules = compileRules(ruleConfig, settings.profiles, ruleConfig.version).set;
  return {
    workspace,
    settings,
    trackingPlan: compileTrackingPlan(settings.trackingPlan),
    consent: compileConsentPolicy(settings.consent),
    profilePlan: rules.profilePlan,
    dedupWindowMs: parseDuration(settings.ingest.dedupWindow) ?? 86_400_000,
    ruleConfig,
    rules,
  };
}

/** Wires storage, the processor, push and metrics into the running engine. */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const { storage, clock, logger, metrics, push } = options;
  const runtimes = new Map<string, WorkspaceRuntime>();
  const byWriteKey = new Map<string, WorkspaceRuntime>();
  const byAdminKey = new Map<string, WorkspaceRuntime>();
  // Bandits' live states: rebuilt from the committed totals, plus the evidence applied since.
  const bandits = new LiveBandits({
    totals: (workspaceId, experimentId) =>
      storage.profileStore.experimentTotals(workspaceId, experimentId),
  });
  const setRuntime = (runtime: WorkspaceRuntime) => {
    bandits.publish(runtime.workspace.id, runtime.rules.experiments);
    runtimes.set(runtime.workspace.id, runtime);
    byWriteKey.set(runtime.workspace.writeKey, runtime);
    byAdminKey.set(runtime.workspace.adminKey, runtime);
  };
  const populations = new Map<string, PopulationControl>();
  const populationOf = (workspaceId: string): PopulationControl => {
    const existing = populations.get(workspaceId);
    if (existing !== undefined) return existing;
    const created = createLivePopulation();
    populations.set(workspaceId, created);
    return created;
  };
  for (const workspace of await storage.workspaces.list()) {
    setRuntime(await loadRuntime(workspace));
  }

  /** The workspace with its latest rule version; a version that no longer compiles is logged and skipped. */
  async function loadRuntime(workspace: Workspace): Promise<WorkspaceRuntime> {
    const settings = options.settingsOf(workspace);
    const latest = await storage.ruleConfigs.latest(workspace.id);
    if (latest === undefined) return compileWorkspace(workspace, settings);
    try {
      return compileWorkspace(workspace, settings, latest);
    } catch (error) {
      logger.error(
        { err: error, workspace: workspace.id, version: latest.version },
        'published rules no longer compile; running without rules until a new version is published',
      );
      return compileWorkspace(workspace, settings);
    }
  }

  const processor = new Processor({
    log: storage.eventLog,
    store: storage.profileStore,
    clock,
    planOf: (workspaceId) => runtimes.get(workspaceId)?.profilePlan,
    rulesOf: (workspaceId) => runtimes.get(workspaceId)?.rules,
    populationOf: (workspaceId) => populations.get(workspaceId),
    onEmit: (workspaceId, events) => appendEmitted(workspaceId, events),
    onFirings: (_workspaceId, firings) => {
      for (const firing of firings) metrics.ruleFirings.inc({ rule: firing.ruleId });
    },
    onSuppressed: (_workspaceId, suppressed) => {
      for (const { ruleId, reason } of suppressed) {
        metrics.ruleSuppressions.inc({ rule: ruleId, reason });
      }
    },
    onTimersArmed: (timers) => scheduler.add(timers),
    newProfileId: randomUUID,
    ...(options.cacheCapacity === undefined ? {} : { cacheCapacity: options.cacheCapacity }),
    onChanges: (changes) => publishChanges(changes),
    // Pushes leave after every few events of a pass, not after the whole pass (≥ one batch).
    changesEvery: 8,
    bandits,
    yieldBetweenBatches: () => new Promise((resolve) => setImmediate(resolve)),
    onError: (error, entry) => {
      metrics.processorErrors.inc();
      logger.error(
        { err: error, partition: entry.partition, offset: entry.offset },
        'event could not be applied',
      );
    },
  });

  const scheduler = new TimerScheduler({
    clock,
    store: storage.profileStore,
    fire: async (timers) => {
      const fired = await processor.fireTimers(timers);
      metrics.timersFired.inc(fired);
      metrics.timersPending.set(scheduler.size);
      return fired;
    },
    onError: (error) => logger.error({ err: error }, 'timers could not run; retrying'),
  });

  /**
   * Appends events emitted by rules. Deterministic messageIds: a replay re-emits the
   * same ids and the log drops them. The processor awaits this before its next
   * commit; a failing append is retried, then reported (the events are then lost).
   */
  async function appendEmitted(workspaceId: string, events: OnrampEvent[]): Promise<void> {
    const entries = events.map((event) => ({ workspaceId, event }));
    for (let attempt = 1; ; attempt++) {
      try {
        await storage.eventLog.append(entries);
        return;
      } catch (error) {
        if (attempt >= 5) {
          logger.error({ err: error, events: events.length }, 'emitted events not appended');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  let ready = false;
  let stopping = false;
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing = false;
  let decisionTicks: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  /** Runs the processor until it has applied everything committed; coalesces wake-ups. */
  function pump(): Promise<void> {
    if (pumping !== undefined) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        do {
          pumpAgain = false;
          const applied = await processor.catchUp();
          metrics.processedEvents.inc(applied);
          const { dirty } = processor.stats();
          metrics.profilesDirty.set(dirty);
          if (dirty >= (options.flushProfiles ?? 200)) flushSoon();
        } while (pumpAgain);
        await updateLag();
      } catch (error) {
        logger.error({ err: error }, 'processor failed; retrying on the next append');
      } finally {
        pumping = undefined;
      }
    })();
    return pumping;
  }

  async function updateLag(): Promise<void> {
    const checkpoints = processor.stats().checkpoints;
    for (let partition = 0; partition < storage.eventLog.partitions; partition++) {
      const head = await storage.eventLog.headOffset(partition);
      metrics.logLag.set(
        { partition: String(partition) },
        Math.max(0, head - (checkpoints.get(partition) ?? 0)),
      );
    }
  }

  /**
   * Starts a flush unless one is under way (the timer's and the threshold's; other
   * callers await processor.flush(), which queues behind it). Not awaited: events
   * go on being applied while it writes.
   */
  function flushSoon(): void {
    if (flushing || processor.stats().dirty === 0) return;
    flushing = true;
    flushProfiles()
      .catch((error: unknown) => logger.error({ err: error }, 'profile flush failed; will retry'))
      .finally(() => (flushing = false));
  }

  /** processor.flush(), counted and timed (onramp_profile_flush*, onramp_profiles_dirty). */
  async function flushProfiles(): Promise<void> {
    const started = performance.now();
    try {
      await processor.flush();
    } catch (error) {
      metrics.profileFlushes.inc({ outcome: 'failed' });
      throw error;
    } finally {
      metrics.profilesDirty.set(processor.stats().dirty);
    }
    metrics.profileFlushes.inc({ outcome: 'ok' });
    metrics.profileFlushDuration.observe((performance.now() - started) / 1000);
  }

  async function findProfile(
    workspaceId: string,
    lookup: ProfileLookup,
  ): Promise<ProfileState | undefined> {
    if ('profileId' in lookup)
      return processor.findProfile(workspaceId, { profileId: lookup.profileId });
    const identity: IdentityKey =
      'userId' in lookup ? userIdentity(lookup.userId) : anonymousIdentity(lookup.anonymousId);
    return processor.findProfile(workspaceId, { identity });
  }

  const segments = createEngineSegments({
    runtimeOf: (workspaceId) => runtimes.get(workspaceId),
    workspaceIds: () => [...runtimes.keys()],
    processor,
    profileStore: storage.profileStore,
    clusterRuns: storage.clusterRuns,
    populationOf,
    findProfile,
    runClustering: options.runClustering ?? ((input) => runClusteringInWorker(input)),
    flush: async () => {
      await pump();
      await flushProfiles();
    },
    clock,
    logger,
    metrics,
    ...(options.segmentMaintenanceMs === undefined
      ? {}
      : { maintenanceMs: options.segmentMaintenanceMs }),
    ...(options.sizeSampleMs === undefined ? {} : { sizeSampleMs: options.sizeSampleMs }),
  });

  const decisions = createEngineDecide({
    findProfile: async (workspaceId, lookup) =>
      processor.peekProfile(workspaceId, identityOfLookup(lookup)) ??
      (await findProfile(workspaceId, lookup)),
    peekProfile: (workspaceId, lookup) =>
      processor.peekProfile(workspaceId, identityOfLookup(lookup)),
    clock,
    logger,
    metrics,
  });

  const publishChanges = createChangePublisher({
    runtimeOf: (workspaceId) => runtimes.get(workspaceId),
    push,
    decisions,
    metrics,
    clock,
  });

  const rules = createEngineRules({
    runtimeOf: (workspaceId) => runtimes.get(workspaceId),
    replaceRuntime: (runtime) => {
      const previous = runtimes.get(runtime.workspace.id);
      setRuntime(runtime);
      bandits
        .load()
        .catch((error: unknown) => logger.error({ err: error }, 'bandit totals not read'));
      if (ready) segments.onPublished(previous, runtime);
      if (previous?.rules.version !== runtime.rules.version) {
        decisions.signal({
          type: 'config',
          workspaceId: runtime.workspace.id,
          version: runtime.rules.version,
        });
      }
    },
    store: storage.ruleConfigs,
    profileStore: storage.profileStore,
    eventLog: storage.eventLog,
    clock,
    logger,
    metrics,
    findProfile,
    flush: async () => {
      await pump();
      await flushProfiles();
    },
  });

  const engine: Engine = {
    clock,
    metrics,
    push,
    rules,
    segments,
    decisions,
    async runDueTimers() {
      const fired = await scheduler.tick();
      decisions.signal({ type: 'tick', now: clock.now() });
      return fired;
    },
    async flush() {
      await pump();
      await flushProfiles();
    },
    workspaceByWriteKey: (writeKey) => byWriteKey.get(writeKey),
    workspaceByAdminKey: (adminKey) => byAdminKey.get(adminKey),
    workspaceById: (id) => runtimes.get(id),

    async ingest(runtime: WorkspaceRuntime, request: IngestRequest): Promise<IngestReport> {
      const workspaceId = runtime.workspace.id;
      // The consent check reads stored consent from memory: load the profiles it needs first.
      if (runtime.consent.enforced)
        await processor.warm(workspaceId, senderIdentities(request.inputs));
      const receivedAt = clock.now();
      const prepared = prepareMessages(request.inputs, {
        receivedAt,
        ...(request.batchSentAt === undefined ? {} : { batchSentAt: request.batchSentAt }),
        ...(request.endpointType === undefined ? {} : { endpointType: request.endpointType }),
        isBatch: request.isBatch,
        settings: runtime.settings.ingest,
        trackingPlan: runtime.trackingPlan,
        consent: runtime.consent,
        storedConsent: (event) =>
          processor.peekProfile(workspaceId, partitionIdentity(event))?.consent,
        newMessageId: randomUUID,
        measureSize: request.measureSize,
      });
      const rejected = prepared.rejected.map(({ index, reason, errors }) => ({
        index,
        reason,
        errors,
      }));
      const deadLettersWritten =
        prepared.rejected.length === 0
          ? undefined
          : storage.deadLetters.add(
              prepared.rejected.map((item) => ({
                workspaceId,
                receivedAt,
                reason: item.reason,
                errors: item.errors,
                payload: toJsonPayload(item.payload),
              })),
            );
      // Nothing below holds the events while the acknowledgement waits for the disk:
      // the log and the processor have them, and they die young (decision 31).
      const { droppedForConsent, flagged } = prepared;
      const appending = prepared.events.length;
      let duplicates = 0;
      if (appending > 0) {
        const started = performance.now();
        const results = await storage.eventLog.append(
          prepared.events.map((event) => ({ workspaceId, event })),
        );
        metrics.appendDuration.observe((performance.now() - started) / 1000);
        for (const result of results) if (result.status === 'duplicate') duplicates++;
      }
      await deadLettersWritten;
      const accepted = appending - duplicates;
      if (accepted > 0) metrics.ingestEvents.inc({ outcome: 'accepted' }, accepted);
      if (duplicates > 0) metrics.ingestEvents.inc({ outcome: 'duplicate' }, duplicates);
      if (rejected.length > 0) metrics.ingestEvents.inc({ outcome: 'rejected' }, rejected.length);
      if (droppedForConsent > 0) {
        metrics.ingestEvents.inc({ outcome: 'no_consent' }, droppedForConsent);
      }
      if (flagged > 0) metrics.ingestEvents.inc({ outcome: 'flagged' }, flagged);
      return { accepted, duplicates, droppedForConsent, flagged, rejected };
    },

    async getProfile(workspaceId, lookup) {
      const runtime = runtimes.get(workspaceId);
      const profile = await findProfile(workspaceId, lookup);
      if (runtime === undefined || profile === undefined) return undefined;
      return summarizeProfile(profile, runtime.profilePlan, clock.now());
    },

    async listProfileEvents(workspaceId, lookup, { before, limit }) {
      const profile = await findProfile(workspaceId, lookup);
      if (profile === undefined) return undefined;
      const identities = await processor.identitiesOf(workspaceId, profile);
      const entries = await storage.eventLog.readByIdentities({
        workspaceId,
        identities,
        limit: limit + 1,
        ...(before === undefined ? {} : { beforeOffset: before }),
      });
      const page = entries.slice(0, limit);
      const last = page[page.length - 1];
      return {
        events: page.map((entry) => ({ offset: entry.offset, event: presentEvent(entry.event) })),
        ...(entries.length > limit && last !== undefined ? { nextBefore: last.offset } : {}),
      };
    },

    async listQueuedMessages(workspaceId, options) {
      await pump();
      await flushProfiles();
      return storage.profileStore.listMessages(workspaceId, options);
    },

    async experimentTotals(workspaceId, experimentId) {
      await pump();
      await flushProfiles();
      return storage.profileStore.experimentTotals(workspaceId, experimentId);
    },

    banditState: (workspaceId, experimentId) => bandits.stateOf(workspaceId, experimentId),

    listDeadLetters: (workspaceId, { before, limit }) =>
      storage.deadLetters.list(workspaceId, {
        limit,
        ...(before === undefined ? {} : { beforeId: before }),
      }),

    isReady: () => ready && !stopping,

    async start() {
      await processor.start();
      // The committed evidence; the replay below adds what was applied after the checkpoint.
      await bandits.load();
      unsubscribe = storage.eventLog.onAppend(() => void pump());
      await pump();
      flushTimer = setInterval(flushSoon, options.flushIntervalMs ?? 1000);
      flushTimer.unref();
      decisionTicks = setInterval(
        () => decisions.signal({ type: 'tick', now: clock.now() }),
        options.decisionTickMs ?? 1000,
      );
      decisionTicks.unref();
      scheduler.start();
      ready = true;
      await segments.start();
      logger.info(
        {
          workspaces: runtimes.size,
          checkpoints: Object.fromEntries(processor.stats().checkpoints),
        },
        'engine started',
      );
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      unsubscribe?.();
      if (flushTimer !== undefined) clearInterval(flushTimer);
      if (decisionTicks !== undefined) clearInterval(decisionTicks);
      scheduler.stop();
      await segments.stop();
      push.closeAll();
      await pump();
      await processor.catchUp();
      await flushProfiles();
      // The flush waited for the events rules emitted: apply those too before closing.
      await processor.catchUp();
      await flushProfiles();
      await storage.eventLog.close();
      await storage.profileStore.close();
      await storage.deadLetters.close();
      await storage.workspaces.close();
      await storage.ruleConfigs.close();
      await storage.clusterRuns.close();
      logger.info(
        { checkpoints: Object.fromEntries(processor.stats().checkpoints) },
        'engine stopped',
      );
    },
  };
  return engine;
}
