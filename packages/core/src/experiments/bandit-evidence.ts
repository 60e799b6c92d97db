/**
 * The processor's experiment step with bandits (docs/decisions/0028-bandit-state.md):
 * updateExperiments, then, for the bandit experiments the event concerns, what it added
 * to the bandit's evidence, told to the engine's ledger for the live state:
 *
 * - a **trial** when the event stored a new exposure (Content Shown / Experiment Viewed);
 *   with `per: segment` the segment key is chosen then (the first listed segment the
 *   profile is in) and kept on the assignment as the marker metric `$segment:<key>` = 1;
 * - a **reward** when the reward event set the `$reward` conversion of an exposed user
 *   (once per exposure, after it, within `within`: update-experiments.ts counts it like
 *   any conversion); with a segment key, `$reward:<key>` = 1 too.
 *
 * The markers live on the profile, so the store's per-variant totals (decision 0027)
 * count each segment's trials and rewards: the committed evidence is a function of the
 * committed profiles, and the ledger only holds what was applied since.
 */
import { metricName, type OnrampEvent } from '../events/event.js';
import type { ExperimentAssignment, ProfileState } from '../profiles/profile.js';
import { banditSegmentOf } from './assign-bandit.js';
import { storedAssignment } from './assign-experiment.js';
import {
  BANDIT_REWARD_METRIC,
  BANDIT_SEGMENT_PREFIX,
  BANDIT_SEGMENT_REWARD_PREFIX,
} from './bandit-experiment-schema.js';
import type { CompiledExperiment, CompiledExperimentSet } from './experiment.js';
import { exposureOf, updateExperiments } from './update-experiments.js';

/** One trial or reward of a bandit's arm, with the segment key of its exposure. */
export interface BanditEvidence {
  kind: 'trial' | 'reward';
  experiment: string;
  arm: string;
  segment?: string;
}

/**
 * Where the processor reports bandit evidence and its commits (live-bandits.ts). Commits
 * go one at a time: beginCommit when a flush takes its snapshot (under the processor's
 * lock), then commitDone once the store has it, or commitFailed when nothing was written.
 */
export interface BanditLedger {
  record(workspaceId: string, evidence: BanditEvidence): void;
  beginCommit(): void;
  commitDone(): Promise<void>;
  commitFailed(): void;
}

interface Before {
  experiment: CompiledExperiment;
  variant: string | undefined;
  exposedAt: number | undefined;
  rewarded: boolean;
}

/** updateExperiments plus the bandits' evidence; true when the profile's experiments changed. */
export function updateExperimentsAndBandits(
  set: CompiledExperimentSet,
  profile: ProfileState,
  event: OnrampEvent,
  now: number,
  report?: (evidence: BanditEvidence) => void,
): boolean {
  const concerned = banditsConcerned(set, profile, event);
  const changed = updateExperiments(set, profile, event);
  if (concerned === undefined) return changed;
  for (const before of concerned) {
    const { experiment } = before;
    const after = storedAssignment(profile, experiment.id);
    if (after?.exposedAt === undefined) continue;
    const arm = after.variant;
    const sameExposure = before.exposedAt === after.exposedAt && before.variant === arm;
    let segment = segmentKeyOf(after);
    if (!sameExposure) {
      const bandit = experiment.bandit;
      segment = bandit === undefined ? undefined : banditSegmentOf(bandit, { profile, now });
      if (segment !== undefined) (after.metrics ??= {})[BANDIT_SEGMENT_PREFIX + segment] = 1;
      report?.({
        kind: 'trial',
        experiment: experiment.id,
        arm,
        ...(segment !== undefined && { segment }),
      });
    }
    if (rewarded(after) && !(sameExposure && before.rewarded)) {
      if (segment !== undefined) {
        (after.metrics ??= {})[BANDIT_SEGMENT_REWARD_PREFIX + segment] = 1;
      }
      report?.({
        kind: 'reward',
        experiment: experiment.id,
        arm,
        ...(segment !== undefined && { segment }),
      });
    }
  }
  return changed;
}

/**
 * The non-draft bandits this event may add a trial (its exposure) or a reward (its reward
 * event) to, with their assignment before it; undefined for the others (most events).
 */
function banditsConcerned(
  set: CompiledExperimentSet,
  profile: ProfileState,
  event: OnrampEvent,
): Before[] | undefined {
  let concerned: Before[] | undefined;
  let name: string | undefined;
  let shown: string | null | undefined;
  for (const experiment of set.experiments) {
    const bandit = experiment.bandit;
    if (bandit === undefined || experiment.status === 'draft') continue;
    name ??= metricName(event);
    shown ??= exposureOf(event)?.experiment ?? null;
    if (bandit.reward.event !== name && shown !== experiment.id) continue;
    const held = storedAssignment(profile, experiment.id);
    (concerned ??= []).push({
      experiment,
      variant: held?.variant,
      exposedAt: held?.exposedAt,
      rewarded: held !== undefined && rewarded(held),
    });
  }
  return concerned;
}

function rewarded(assignment: ExperimentAssignment): boolean {
  const metrics = assignment.metrics;
  return metrics !== undefined && Object.hasOwn(metrics, BANDIT_REWARD_METRIC)
    ? metrics[BANDIT_REWARD_METRIC] === 1
    : false;
}

/** The segment key stored with the exposure (its `$segment:<key>` marker), if any. */
export function segmentKeyOf(assignment: ExperimentAssignment): string | undefined {
  const metrics = assignment.metrics;
  if (metrics === undefined) return undefined;
  for (const key in metrics) {
    if (Object.hasOwn(metrics, key) && key.startsWith(BANDIT_SEGMENT_PREFIX)) {
      return key.slice(BANDIT_SEGMENT_PREFIX.length);
    }
  }
  return undefined;
}
