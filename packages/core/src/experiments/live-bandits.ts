/**
 * The engine's live bandit states (docs/decisions/0028-bandit-state.md). For each running
 * bandit of each workspace:
 *
 *   live = base (rebuilt from the committed totals)
 *        + in flight (evidence applied before the snapshot of the commit being written)
 *        + pending (evidence applied since)
 *
 * The processor reports evidence as it applies events (bandit-evidence.ts) and its commits
 * (BanditLedger): when a commit is written, the base is read again from the totals, which
 * now include the in-flight evidence, and that evidence is dropped. Nothing but the
 * profiles is persisted: after a restart the base is the committed totals and the replay
 * of the log after the checkpoint adds the rest as pending, so no evidence counts twice.
 * Identity merges (which can remove a trial) show at the next commit.
 *
 * The live state of each published bandit is put in its compiled `slot`, where assignment
 * (assign-bandit.ts) reads it. Only this class writes it.
 */
import type { BanditEvidence, BanditLedger } from './bandit-evidence.js';
import { banditStateFromTotals } from './bandit-totals.js';
import {
  createArmCounts,
  createBanditState,
  MAX_BANDIT_SEGMENTS,
  mergeBanditState,
  recordReward,
  recordTrial,
} from './bandits/bandit-state.js';
import type { BanditPolicy, BanditState } from './bandits/bandit-types.js';
import type { CompiledExperiment, CompiledExperimentSet } from './experiment.js';
import type { ExperimentTotals } from './experiment-totals.js';

export interface LiveBanditsOptions {
  /** The committed per-variant totals of an experiment (ProfileStore.experimentTotals). */
  totals(workspaceId: string, experimentId: string): Promise<ExperimentTotals>;
}

interface Entry {
  experiment: CompiledExperiment;
  policy: BanditPolicy;
  base: BanditState;
  inflight: BanditState | undefined;
  pending: BanditState;
  live: BanditState;
  /** The base has not been read from the totals yet. */
  stale: boolean;
}

export class LiveBandits implements BanditLedger {
  private readonly workspaces = new Map<string, Map<string, Entry>>();
  /** Commits begun: a base read while one was under way may miss it or see it half. */
  private commitsBegun = 0;
  private committing = false;

  constructor(private readonly options: LiveBanditsOptions) {}

  /**
   * Serves a config version's bandits: each one's slot gets its live state, kept from the
   * previous version (arms matched by id) or new and empty until `load` reads its totals.
   */
  publish(workspaceId: string, set: CompiledExperimentSet): void {
    const previous = this.workspaces.get(workspaceId);
    const entries = new Map<string, Entry>();
    for (const experiment of set.experiments) {
      const bandit = experiment.bandit;
      if (bandit === undefined) continue;
      const held = previous?.get(experiment.id);
      const entry = held === undefined ? newEntry(experiment) : rekey(held, experiment);
      bandit.slot.state = entry.live;
      entries.set(experiment.id, entry);
    }
    this.workspaces.set(workspaceId, entries);
  }

  /** Reads the base of every bandit whose totals were not read yet (at start, after publish). */
  async load(): Promise<void> {
    if (this.committing) return; // commitDone reads every base
    const begun = this.commitsBegun;
    const read = await this.readTotals((entry) => entry.stale);
    // A commit begun meanwhile may be in some of these totals and not others: its end reads again.
    if (this.commitsBegun !== begun || this.committing) return;
    for (const [workspaceId, id, entry] of this.keyed()) {
      const totals = read.get(key(workspaceId, id));
      if (totals !== undefined && entry.stale) setBase(entry, totals);
    }
  }

  /** The live state of a published bandit. */
  stateOf(workspaceId: string, experimentId: string): BanditState | undefined {
    return this.workspaces.get(workspaceId)?.get(experimentId)?.live;
  }

  record(workspaceId: string, evidence: BanditEvidence): void {
    const entry = this.workspaces.get(workspaceId)?.get(evidence.experiment);
    if (entry === undefined) return;
    const { arm, segment } = evidence;
    if (evidence.kind === 'trial') {
      recordTrial(entry.pending, arm, segment);
      recordTrial(entry.live, arm, segment);
    } else {
      addReward(entry.pending, arm, segment);
      recordReward(entry.live, arm, segment);
    }
  }

  beginCommit(): void {
    this.commitsBegun++;
    this.committing = true;
    for (const entry of this.entries()) {
      if (entry.inflight !== undefined) mergeBanditState(entry.pending, entry.inflight);
      entry.inflight = entry.pending;
      entry.pending = createBanditState(entry.policy);
    }
  }

  /** The commit is written: every base is read again; until then the in-flight evidence counts. */
  async commitDone(): Promise<void> {
    let read: Map<string, ExperimentTotals | undefined>;
    try {
      read = await this.readTotals(() => true);
    } catch {
      read = new Map(); // kept below: base + in flight is what was committed
    }
    this.committing = false;
    for (const [workspaceId, id, entry] of this.keyed()) {
      const totals = read.get(key(workspaceId, id));
      if (totals === undefined && entry.inflight !== undefined) {
        mergeBanditState(entry.base, entry.inflight);
      }
      entry.inflight = undefined;
      if (totals === undefined) entry.live = liveOf(entry);
      else setBase(entry, totals);
    }
  }

  /** Nothing was written: the in-flight evidence is pending again. */
  commitFailed(): void {
    this.committing = false;
    for (const entry of this.entries()) {
      if (entry.inflight === undefined) continue;
      mergeBanditState(entry.inflight, entry.pending);
      entry.pending = entry.inflight;
      entry.inflight = undefined;
    }
  }

  /**
   * The totals of the entries `wanted` picks, keyed by workspace and experiment; again for
   * entries published while reading, so every entry present at the end has been read.
   */
  private async readTotals(
    wanted: (entry: Entry) => boolean,
  ): Promise<Map<string, ExperimentTotals>> {
    const read = new Map<string, ExperimentTotals>();
    for (;;) {
      const missing = [...this.keyed()].filter(([w, id, e]) => !read.has(key(w, id)) && wanted(e));
      if (missing.length === 0) return read;
      for (const [workspaceId, id] of missing) {
        read.set(key(workspaceId, id), await this.options.totals(workspaceId, id));
      }
    }
  }

  private *keyed(): Iterable<[string, string, Entry]> {
    for (const [workspaceId, entries] of this.workspaces) {
      for (const [id, entry] of entries) yield [workspaceId, id, entry];
    }
  }

  private *entries(): Iterable<Entry> {
    for (const entries of this.workspaces.values()) yield* entries.values();
  }
}

const key = (workspaceId: string, experimentId: string) => `${workspaceId}\u0000${experimentId}`;

function newEntry(experiment: CompiledExperiment): Entry {
  const policy = experiment.bandit!.policy;
  const empty = () => createBanditState(policy);
  return {
    experiment,
    policy,
    base: empty(),
    inflight: undefined,
    pending: empty(),
    live: empty(),
    stale: true,
  };
}

/** The entry under a new version's policy: counts matched by arm id. */
function rekey(entry: Entry, experiment: CompiledExperiment): Entry {
  const policy = experiment.bandit!.policy;
  const moved = (state: BanditState) => mergeBanditState(createBanditState(policy), state);
  const next: Entry = {
    experiment,
    policy,
    base: moved(entry.base),
    inflight: entry.inflight === undefined ? undefined : moved(entry.inflight),
    pending: moved(entry.pending),
    live: entry.live,
    stale: entry.stale,
  };
  next.live = liveOf(next);
  return next;
}

function setBase(entry: Entry, totals: ExperimentTotals): void {
  entry.base = banditStateFromTotals(entry.policy, totals);
  entry.stale = false;
  entry.live = liveOf(entry);
}

function liveOf(entry: Entry): BanditState {
  const live = mergeBanditState(createBanditState(entry.policy), entry.base);
  if (entry.inflight !== undefined) mergeBanditState(live, entry.inflight);
  mergeBanditState(live, entry.pending);
  entry.experiment.bandit!.slot.state = live;
  return live;
}

/** A reward counted without the check recordReward makes: its trial may be in the base. */
function addReward(state: BanditState, arm: string, segment: string | undefined): void {
  const index = state.policy.armIndex.get(arm);
  if (index === undefined) return;
  state.global.successes[index]! += 1;
  if (segment === undefined || state.policy.per !== 'segment') return;
  let counts = state.segments.get(segment);
  if (counts === undefined) {
    if (state.segments.size >= MAX_BANDIT_SEGMENTS) return;
    state.segments.set(segment, (counts = createArmCounts(state.policy.arms.length)));
  }
  counts.successes[index]! += 1;
}
