import { anonymousIdentity, userIdentity, type IdentityKey } from '../events/event.js';
import { identitiesOf, resolveProfile, type IdentityGraph } from '../identity/resolve-profile.js';
import type { EventLog, LogEntry } from '../log/event-log.js';
import { applyEvent, type ProfilePlan } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import type {
  DeletedProfile,
  IdentityLink,
  ProfileCommit,
  ProfileStore,
} from '../profiles/profile-store.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { chainDepth, runRuleTimer, runRulesForEvent } from '../rules/run-rules.js';
import type { Clock } from '../time/clock.js';
import type { MembershipChange, PopulationState } from '../segments/segment.js';
import { SEGMENT_TIMER } from '../segments/segment-runtime.js';
import type { SweepScope } from '../segments/update-memberships.js';
import { shareMembershipIds } from '../segments/update-memberships.js';
import { AudienceStep, type AudienceStepContext } from './run-audiences.js';
import { flowsAfterRules, flowsForEvent } from './run-flows.js';
import type { FlowChange } from '../flows/flow.js';
import type { InteractionRecord } from '../decide/interactions.js';
import { updateExperimentsAndBandits, type BanditLedger } from '../experiments/bandit-evidence.js';
import { cacheIdentityGraph, type CacheGraphHooks } from './cache-identity-graph.js';
import { LazyProfileWrites } from './lazy-profile-writes.js';
import { loadIdentities } from './load-profiles.js';
import { ProfileCache, type PendingWrites } from './profile-cache.js';
import {
  RuleOutput,
  type DueTimer,
  type PendingRuleOutput,
  type RuleOutputHooks,
} from './rule-output.js';

export type { DueTimer };

export interface ProfileChange {
  workspaceId: string;
  profile: ProfileState;
  /** receivedAt of the last event that changed it in this pass. */
  causedAt: number;
  /** Segments and cohort bands it entered or left in this pass, in order. */
  memberships?: MembershipChange[];
  /** Flow progress made in this pass, in order. */
  flows?: FlowChange[];
  /** Interaction events (Content Shown…) applied in this pass. */
  interactions?: InteractionRecord[];
}

export interface ProcessorOptions extends RuleOutputHooks {
  log: EventLog;
  store: ProfileStore;
  clock: Clock;
  /** The compiled profile plan of a workspace; undefined for an unknown workspace. */
  planOf: (workspaceId: string) => ProfilePlan | undefined;
  newProfileId: () => string;
  /** Entries read from a partition per pass. */
  readBatch?: number;
  /** Clean profiles kept in memory per workspace. */
  cacheCapacity?: number;
  onChanges?: (changes: ProfileChange[]) => void;
  /**
   * onChanges is called after at most this many entries of a read batch (default: once
   * per batch). The server passes a few, so that a change early in a large batch is
   * pushed without waiting for the rest of the batch to be applied.
   */
  changesEvery?: number;
  /**
   * The published rule set of a workspace, if it has rules. Read once per event
   * with planOf, in the same synchronous turn, so an event sees exactly one version;
   * its profilePlan is the one planOf must return.
   */
  rulesOf?: (workspaceId: string) => CompiledRuleSet | undefined;
  /** The live cohort sketches and cluster models of a workspace (absent: cohorts and clusters stay empty). */
  populationOf?: (workspaceId: string) => PopulationState | undefined;
  /**
   * Awaited between read batches, so a long replay lets the host serve requests
   * (the server passes a setImmediate turn); the domain itself keeps no timers.
   */
  yieldBetweenBatches?: () => Promise<void>;
  /** Awaited between slices of a flush's serialization (default: yieldBetweenBatches). */
  yieldBetweenSlices?: () => Promise<void>;
  onError?: (error: unknown, entry: LogEntry) => void;
  /** The live bandit states (experiments/live-bandits.ts): told of evidence and commits. */
  bandits?: BanditLedger;
}

export interface ProcessorStats {
  applied: number;
  errors: number;
  /** Rule firings since start. */
  firings: number;
  dirty: number;
  checkpoints: Map<number, number>;
}

/**
 * Applies the log to profile state, one partition after another, events of a
 * partition in offset order. State lives in memory; `flush()` commits the changed
 * profiles together with the offsets they include (a snapshot taken at once, then
 * written while events go on being applied), so after a crash the log is replayed
 * from the last checkpoint and no event is counted twice or lost.
 * The caller drives it (`catchUp` on append, `flush` on a timer): the domain keeps no timers.
 */
/** States serialized per slice of a flush's snapshot (about a millisecond's work). */
const serializeSlice = 40;

export class Processor {
  private readonly caches = new Map<string, ProfileCache>();
  /** Offsets applied in memory. */
  private readonly applied = new Map<number, number>();
  private applyCount = 0;
  private readonly ruleOutput: RuleOutput;
  private readonly audiences: AudienceStep;
  /** Profiles created or merged while applying the current entry: all their segments are evaluated. */
  private readonly reshaped = new Set<ProfileState>();
  private errorCount = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last flush: the next one waits for it (commits go one at a time, in order). */
  private flushing: Promise<void> = Promise.resolve();
  /** The snapshot of the flush under way whose states are not all serialized yet. */
  private lazyWrites: LazyProfileWrites | undefined;

  private readonly graphHooks: CacheGraphHooks;

  constructor(private readonly options: ProcessorOptions) {
    this.ruleOutput = new RuleOutput(options);
    this.audiences = new AudienceStep(this.ruleOutput);
    this.graphHooks = {
      newProfileId: () => options.newProfileId(),
      rulesOf: (workspaceId) => options.rulesOf?.(workspaceId),
      populationOf: (workspaceId) => options.populationOf?.(workspaceId),
      reshaped: this.reshaped,
      beforeChange: (state) => this.lazyWrites?.beforeChange(state),
      inheritTimers: (workspaceId, target, source) =>
        this.ruleOutput.announceInheritedTimers(workspaceId, target, source),
    };
  }

  /**
   * Loads the checkpoints; the next catchUp replays everything after them. Refuses a
   * checkpoint past the end of its partition: the log is older than the profiles
   * (restored from an older backup, say), and the events appended next would take
   * offsets the checkpoint says are applied, and be skipped.
   */
  async start(): Promise<void> {
    const checkpoints = await this.options.store.loadCheckpoints();
    for (let partition = 0; partition < this.options.log.partitions; partition++) {
      const checkpoint = checkpoints.get(partition) ?? 0;
      const head = await this.options.log.headOffset(partition);
      if (checkpoint > head) {
        throw new Error(
          `the profiles were committed up to offset ${checkpoint} of partition ${partition}, ` +
            `but the event log ends at ${head}: restore the event log with the profiles it belongs to`,
        );
      }
      this.applied.set(partition, checkpoint);
    }
  }

  /** Applies every committed entry not applied yet. Resolves with how many were applied. */
  catchUp(): Promise<number> {
    return this.serialize(() => this.catchUpNow());
  }

  /**
   * Commits changed profiles and the checkpoints they correspond to. The snapshot
   * is taken under the processor's lock, states serialized then; the store writes
   * it without the lock, so events go on being applied meanwhile. Flushes commit
   * one at a time, in call order: each takes its snapshot once the previous one
   * is written (or has failed and put its changes back), and resolves once its own
   * is written.
   */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushOnce());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  stats(): ProcessorStats {
    let dirty = 0;
    for (const cache of this.caches.values()) dirty += cache.dirty.size;
    return {
      applied: this.applyCount,
      errors: this.errorCount,
      firings: this.ruleOutput.firingCount,
      dirty,
      checkpoints: new Map(this.applied),
    };
  }

  /** The freshest state of a profile: in memory if hot, else from the store. */
  async findProfile(
    workspaceId: string,
    lookup: { identity: IdentityKey } | { profileId: string },
  ): Promise<ProfileState | undefined> {
    const cache = this.cacheOf(workspaceId);
    if ('identity' in lookup) {
      await loadIdentities(this.options.store, workspaceId, cache, [lookup.identity]);
      return cache.lookup(lookup.identity);
    }
    const hot = cache.get(lookup.profileId);
    if (hot !== undefined) return hot;
    const loaded = await this.options.store.loadProfiles(workspaceId, [lookup.profileId]);
    return loaded.get(lookup.profileId);
  }

  /**
   * Every identity of a profile: what the store links to it, its own lists, and links
   * made in memory since the last flush (merges included); minus identities that have
   * moved to another profile since. For listing a profile's events.
   */
  async identitiesOf(workspaceId: string, profile: ProfileState): Promise<IdentityKey[]> {
    const cache = this.caches.get(workspaceId);
    const keys = new Set(await this.options.store.identitiesOf(workspaceId, profile.id));
    if (profile.userId !== undefined) keys.add(userIdentity(profile.userId));
    for (const anonymousId of profile.anonymousIds) keys.add(anonymousIdentity(anonymousId));
    if (cache !== undefined) {
      for (const [identity] of cache.dirtyLinks) {
        if (cache.resolve(identity) === profile.id) keys.add(identity);
      }
      for (const [mergedId, into] of cache.deleted) {
        if (into !== profile.id) continue;
        for (const identity of await this.options.store.identitiesOf(workspaceId, mergedId)) {
          keys.add(identity);
        }
      }
    }
    return [...keys].filter((identity) => {
      const owner = cache?.resolve(identity);
      return owner === undefined || owner === profile.id;
    });
  }

  /** Loads the profiles of these identities into memory (the ingest consent check reads them with peekProfile). */
  async warm(workspaceId: string, identities: readonly IdentityKey[]): Promise<void> {
    const cache = this.cacheOf(workspaceId);
    const cold = identities.filter((identity) => {
      const profileId = cache.resolve(identity);
      return profileId === undefined || !cache.profiles.has(profileId);
    });
    if (cold.length > 0) await loadIdentities(this.options.store, workspaceId, cache, cold);
  }

  /** The profile an identity resolves to, if it is in memory (no I/O): for the ingest consent check. */
  peekProfile(workspaceId: string, identity: IdentityKey): ProfileState | undefined {
    const cache = this.caches.get(workspaceId);
    if (cache === undefined) return undefined;
    const profileId = cache.resolve(identity);
    return profileId === undefined ? undefined : cache.profiles.get(profileId);
  }

  private async catchUpNow(): Promise<number> {
    let total = 0;
    const limit = this.options.readBatch ?? 2000;
    for (let partition = 0; partition < this.options.log.partitions; partition++) {
      for (;;) {
        const entries = await this.options.log.read(
          partition,
          this.applied.get(partition) ?? 0,
          limit,
        );
        if (entries.length === 0) break;
        await this.applyEntries(entries);
        total += entries.length;
        await this.options.yieldBetweenBatches?.();
        if (entries.length < limit) break;
      }
    }
    return total;
  }

  private async applyEntries(entries: LogEntry[]): Promise<void> {
    await this.preload(entries);
    const changes = new Map<ProfileState, ProfileChange>();
    const now = this.options.clock.now();
    // One identity graph per workspace and plan for the pass (its closures, made once).
    const graphs = new Map<string, { plan: ProfilePlan; graph: IdentityGraph }>();
    const every = this.options.changesEvery ?? Infinity;
    let sinceReport = 0;
    for (const entry of entries) {
      if (++sinceReport > every) {
        sinceReport = 1;
        this.report(changes);
      }
      try {
        const change = this.applyEntry(entry, now, graphs);
        if (change !== undefined) {
          const earlier = changes.get(change.profile);
          if (earlier !== undefined) mergeChange(earlier, change);
          changes.set(change.profile, change);
        }
      } catch (error) {
        // A poison event must not stop the partition: count it, report it with its offset, go on.
        this.errorCount++;
        this.options.onError?.(error, entry);
      }
      this.applied.set(entry.partition, entry.offset);
    }
    this.applyCount += entries.length;
    this.report(changes);
  }

  /** Hands the changes so far to onChanges (when there are any) and forgets them. */
  private report(changes: Map<ProfileState, ProfileChange>): void {
    for (const [key, change] of changes) {
      // A profile merged away later in the same pass is no longer a change to report.
      if (!this.cacheOf(change.workspaceId).profiles.has(change.profile.id)) changes.delete(key);
    }
    if (changes.size > 0) this.options.onChanges?.([...changes.values()]);
    changes.clear();
  }

  private applyEntry(
    entry: LogEntry,
    now: number,
    graphs: Map<string, { plan: ProfilePlan; graph: IdentityGraph }>,
  ): ProfileChange | undefined {
    const plan = this.options.planOf(entry.workspaceId);
    if (plan === undefined) throw new Error(`unknown workspace ${entry.workspaceId}`);
    const cache = this.cacheOf(entry.workspaceId);
    const rules = this.options.rulesOf?.(entry.workspaceId);
    this.reshaped.clear();
    let made = graphs.get(entry.workspaceId);
    if (made === undefined || made.plan !== plan) {
      made = {
        plan,
        graph: cacheIdentityGraph(this.graphHooks, entry.workspaceId, cache, plan, now),
      };
      graphs.set(entry.workspaceId, made);
    }
    const profile = resolveProfile(entry.event, made.graph);
    this.lazyWrites?.beforeChange(profile);
    applyEvent(profile, entry.event, plan, now);
    cache.markDirty(profile.id);
    const change: ProfileChange = {
      workspaceId: entry.workspaceId,
      profile,
      causedAt: entry.event.receivedAt,
    };
    if (rules !== undefined) {
      const event = entry.event;
      const depth = chainDepth(event);
      const context = this.audienceContext(entry.workspaceId, rules, now);
      const active = rules.audiences.active;
      const memberships: MembershipChange[] = [];
      let segmentFlows: FlowChange[] | undefined;
      if (active) {
        const full = this.reshaped.has(profile);
        const step = this.audiences.forEvent(context, profile, event, depth, full);
        memberships.push(...step.changes);
        segmentFlows = step.flows;
      }
      const flowContext = { workspaceId: entry.workspaceId, rules, now };
      const merged = this.reshaped.has(profile);
      const step = flowsForEvent(flowContext, profile, event, depth, this.ruleOutput, merged);
      const outcome = runRulesForEvent(rules, profile, event, { now, depth });
      this.ruleOutput.take(entry.workspaceId, profile.id, outcome);
      const flows = step.flows.concat(
        flowsAfterRules(flowContext, profile, outcome, event.messageId, depth, this.ruleOutput),
      );
      if (active && outcome.firings.length > 0) {
        const step = this.audiences.afterRules(context, profile, event.messageId, depth);
        memberships.push(...step.changes);
        if (step.flows !== undefined) flows.push(...step.flows);
      }
      if (segmentFlows !== undefined) flows.unshift(...segmentFlows);
      if (memberships.length > 0) change.memberships = memberships;
      if (flows.length > 0) change.flows = flows;
      if (step.interaction !== undefined) change.interactions = [step.interaction];
      // Exposures and the exposed users' metrics, once flows and rules have moved.
      const bandits = this.options.bandits;
      updateExperimentsAndBandits(
        rules.experiments,
        profile,
        event,
        now,
        bandits && ((evidence) => bandits.record(entry.workspaceId, evidence)),
      );
    }
    return change;
  }

  private audienceContext(
    workspaceId: string,
    rules: CompiledRuleSet,
    now: number,
  ): AudienceStepContext {
    return { workspaceId, rules, population: this.options.populationOf?.(workspaceId), now };
  }

  /**
   * One page of a background pass over stored profiles (segment back-fill, cohort
   * re-banding, labelling after a clustering run): each profile, or its fresher copy
   * in memory, is evaluated in `scope` under the processor's lock, between batches
   * of events. Changed profiles are kept in memory to be committed by the next flush.
   */
  sweepAudiences(
    workspaceId: string,
    stored: readonly ProfileState[],
    scope: SweepScope,
    cause: string,
  ): Promise<{ visited: number; changed: number; entered: number; exited: number }> {
    return this.serialize(async () => {
      const result = { visited: 0, changed: 0, entered: 0, exited: 0 };
      const rules = this.options.rulesOf?.(workspaceId);
      if (rules === undefined) return result;
      const cache = this.cacheOf(workspaceId);
      const context = this.audienceContext(workspaceId, rules, this.options.clock.now());
      const changes: ProfileChange[] = [];
      for (const copy of stored) {
        if (cache.deleted.has(copy.id)) continue;
        const hot = cache.get(copy.id);
        const profile = hot ?? copy;
        result.visited++;
        if (hot !== undefined) this.lazyWrites?.beforeChange(hot);
        const step = this.audiences.sweep(context, profile, scope, cause);
        if (!step.changed) continue;
        if (hot === undefined) cache.addLoaded(profile);
        cache.markDirty(profile.id);
        result.changed++;
        for (const { on } of step.changes) result[on]++;
        changes.push({
          workspaceId,
          profile,
          causedAt: context.now,
          ...(step.changes.length > 0 && { memberships: step.changes }),
        });
      }
      if (changes.length > 0) this.options.onChanges?.(changes);
      return result;
    });
  }

  /**
   * Reads stored profiles (or their fresher copies in memory) under the processor's
   * lock without changing them: cohort sketch rebuilds, clustering samples.
   */
  visitProfiles(
    workspaceId: string,
    stored: readonly ProfileState[],
    visit: (profile: ProfileState) => void,
  ): Promise<void> {
    return this.serialize(async () => {
      const cache = this.cacheOf(workspaceId);
      for (const copy of stored) {
        if (cache.deleted.has(copy.id)) continue;
        visit(cache.get(copy.id) ?? copy);
      }
    });
  }

  /**
   * Runs due time triggers, each on its profile (loaded if cold); a timer that was
   * re-armed or cancelled since is a no-op. Resolves with the number that fired.
   */
  fireTimers(timers: readonly DueTimer[]): Promise<number> {
    return this.serialize(async () => {
      await this.loadTimerProfiles(timers);
      const now = this.options.clock.now();
      const changes: ProfileChange[] = [];
      let fired = 0;
      for (const timer of timers) {
        const rules = this.options.rulesOf?.(timer.workspaceId);
        const profile = this.caches.get(timer.workspaceId)?.get(timer.profileId);
        if (rules === undefined || profile === undefined) continue;
        this.lazyWrites?.beforeChange(profile);
        if (timer.ruleId === SEGMENT_TIMER) {
          const context = this.audienceContext(timer.workspaceId, rules, now);
          const step = this.audiences.onTimer(context, profile, timer.dueAt);
          if (!step.changed) continue;
          this.cacheOf(timer.workspaceId).markDirty(profile.id);
          changes.push({
            workspaceId: timer.workspaceId,
            profile,
            causedAt: timer.dueAt,
            ...(step.changes.length > 0 && { memberships: step.changes }),
          });
          continue;
        }
        const outcome = runRuleTimer(rules, profile, timer.ruleId, timer.dueAt, now);
        if (!outcome.changed) continue;
        fired += outcome.firings.length;
        this.cacheOf(timer.workspaceId).markDirty(profile.id);
        this.ruleOutput.take(timer.workspaceId, profile.id, outcome);
        const flowContext = { workspaceId: timer.workspaceId, rules, now };
        const cause = `${profile.id}:timer:${timer.ruleId}:${timer.dueAt}`;
        const flows = flowsAfterRules(flowContext, profile, outcome, cause, 0, this.ruleOutput);
        changes.push({
          workspaceId: timer.workspaceId,
          profile,
          causedAt: timer.dueAt,
          ...(flows.length > 0 && { flows }),
        });
      }
      if (changes.length > 0) this.options.onChanges?.(changes);
      return fired;
    });
  }

  /**
   * Brings the timers' profiles into memory, one store read per workspace. A profile
   * merged away since (its deletion not flushed yet) stays out: its timers moved to
   * the survivor, and loading it would bring it back.
   */
  private async loadTimerProfiles(timers: readonly DueTimer[]): Promise<void> {
    const cold = new Map<string, Set<string>>();
    for (const { workspaceId, profileId } of timers) {
      const cache = this.cacheOf(workspaceId);
      if (cache.get(profileId) !== undefined || cache.deleted.has(profileId)) continue;
      let ids = cold.get(workspaceId);
      if (ids === undefined) cold.set(workspaceId, (ids = new Set()));
      ids.add(profileId);
    }
    for (const [workspaceId, ids] of cold) {
      const loaded = await this.options.store.loadProfiles(workspaceId, [...ids]);
      const cache = this.cacheOf(workspaceId);
      for (const profile of loaded.values()) {
        // Checked again: events applied while the store answered may have loaded or merged it.
        if (cache.get(profile.id) === undefined && !cache.deleted.has(profile.id)) {
          cache.addLoaded(profile);
        }
      }
    }
  }

  /** Loads, in one round trip per workspace, every profile the entries can touch. */
  private async preload(entries: LogEntry[]): Promise<void> {
    const byWorkspace = new Map<string, Set<IdentityKey>>();
    for (const entry of entries) {
      let identities = byWorkspace.get(entry.workspaceId);
      if (identities === undefined) byWorkspace.set(entry.workspaceId, (identities = new Set()));
      for (const identity of identitiesOf(entry.event)) identities.add(identity);
    }
    for (const [workspaceId, identities] of byWorkspace) {
      await loadIdentities(this.options.store, workspaceId, this.cacheOf(workspaceId), [
        ...identities,
      ]);
    }
  }

  /**
   * One flush: snapshot under the lock, serialize its states in slices while events go
   * on (copy on write: LazyProfileWrites), write without the lock, then settle under it.
   */
  private async flushOnce(): Promise<void> {
    const snapshot = await this.serialize(() => this.takeSnapshot());
    try {
      try {
        const serialized = await snapshot.writes.finish(
          serializeSlice,
          this.options.yieldBetweenSlices ?? this.options.yieldBetweenBatches,
        );
        snapshot.commit.profiles = serialized.profiles;
        if (serialized.encoded !== undefined) {
          snapshot.commit.encodedProfiles = serialized.encoded;
        }
      } finally {
        if (this.lazyWrites === snapshot.writes) this.lazyWrites = undefined;
      }
      // The log entries these checkpoints cover reach the disk first (EventLog.onDisk).
      await this.options.log.onDisk?.();
      await this.options.store.commit(snapshot.commit);
    } catch (error) {
      // Nothing was written: what the snapshot took is pending again (see ProfileCache.failed).
      await this.serialize(async () => {
        this.options.bandits?.commitFailed();
        this.ruleOutput.restore(snapshot.ruleOutput);
        for (const [cache, taken] of snapshot.taken) cache.failed(taken);
      });
      throw error;
    }
    // Before the next flush's snapshot: the bandits read their committed totals again.
    await this.options.bandits?.commitDone();
    await this.serialize(async () => {
      for (const [cache, taken] of snapshot.taken) cache.committed(taken);
      // Only profiles unchanged since the snapshot are clean: the store has their state.
      const capacity = this.options.cacheCapacity ?? 200_000;
      for (const cache of this.caches.values()) cache.evict(capacity);
    });
  }

  /**
   * What the next commit writes, taken in one synchronous step after the pending
   * emits: the changed profiles (serialized later, see LazyProfileWrites), links,
   * merges, rule output and the offsets those states include exactly.
   */
  private async takeSnapshot(): Promise<FlushSnapshot> {
    // Emits first: the checkpoint below must not cover an event whose emits could be lost.
    await this.ruleOutput.settled();
    const writes = new LazyProfileWrites(this.options.store.profileEncoder?.());
    const identities: IdentityLink[] = [];
    const deletedProfiles: DeletedProfile[] = [];
    for (const [workspaceId, cache] of this.caches) {
      for (const profileId of cache.dirty) {
        const state = cache.profiles.get(profileId);
        if (state !== undefined) writes.add(workspaceId, state);
      }
      for (const [identity, profileId] of cache.dirtyLinks)
        identities.push({ workspaceId, identity, profileId });
      for (const [profileId, mergedInto] of cache.deleted)
        deletedProfiles.push({ workspaceId, profileId, mergedInto });
    }
    const ruleOutput = this.ruleOutput.drain();
    const taken: FlushSnapshot['taken'] = [];
    for (const cache of this.caches.values()) taken.push([cache, cache.takePending()]);
    this.options.bandits?.beginCommit();
    this.lazyWrites = writes;
    const commit: ProfileCommit = {
      profiles: [],
      identities,
      deletedProfiles,
      checkpoints: new Map(this.applied),
      firings: ruleOutput.firings,
      messages: ruleOutput.messages,
      memberships: [...ruleOutput.memberships.values()],
    };
    return { commit, ruleOutput, taken, writes };
  }

  private cacheOf(workspaceId: string): ProfileCache {
    let cache = this.caches.get(workspaceId);
    if (cache === undefined) {
      // A loaded profile's membership ids become the config's own strings: one copy each.
      const onLoad = (profile: ProfileState) => {
        const audiences = this.options.rulesOf?.(workspaceId)?.audiences;
        if (audiences !== undefined) shareMembershipIds(profile, audiences);
      };
      this.caches.set(workspaceId, (cache = new ProfileCache(onLoad)));
    }
    return cache;
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** A flush's commit and what it took, to put back if the commit fails. */
interface FlushSnapshot {
  commit: ProfileCommit;
  /** The commit's profiles, serialized lazily; `commit.profiles` once finished. */
  writes: LazyProfileWrites;
  ruleOutput: PendingRuleOutput;
  taken: [ProfileCache, PendingWrites][];
}

/** Folds an earlier change of the same profile in this pass into the later one. */
function mergeChange(earlier: ProfileChange, later: ProfileChange): void {
  if (earlier.memberships !== undefined) {
    later.memberships = earlier.memberships.concat(later.memberships ?? []);
  }
  if (earlier.flows !== undefined) later.flows = earlier.flows.concat(later.flows ?? []);
  if (earlier.interactions !== undefined) {
    later.interactions = earlier.interactions.concat(later.interactions ?? []);
  }
}
