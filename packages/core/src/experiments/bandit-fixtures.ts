/**
 * Building blocks for the bandit serving tests (core): a bandit on the fixtures' banner
 * placement, and a processor with the live bandit states over the real in-memory log and
 * store. Not exported from the package barrel.
 */
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import { Processor } from '../processing/processor.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { createManualClock } from '../time/clock.js';
import type { BanditState } from './bandits/bandit-types.js';
import { LiveBandits } from './live-bandits.js';

export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 10, 24, 9);

/** Three arms on the banner: the default, welcome-b, and welcome-b's `short` variant. */
export function banditExperiment(bandit: Record<string, unknown> = {}, extra = {}) {
  return {
    id: 'welcome-bandit',
    status: 'running',
    kind: 'bandit',
    placement: 'banner',
    variants: [
      { id: 'control' },
      { id: 'friendly', content: { item: 'welcome-b' } },
      { id: 'short', content: { item: 'welcome-b', variant: 'short' } },
    ],
    bandit: { reward: { event: 'Project Created', within: '7d' }, floor: 0.3, ...bandit },
    ...extra,
  };
}

/** A log, a store and processors (each with its own LiveBandits: a process) over them. */
export function banditSetup(rules: CompiledRuleSet) {
  const clock = createManualClock(T0);
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: DAY, clock });
  const store = createMemoryProfileStore();
  let ids = 0;
  let serial = 0;
  /** A process: its live states (loaded from the store) and its processor, caught up. */
  const start = async (config = rules) => {
    const bandits = new LiveBandits({ totals: (ws, id) => store.experimentTotals(ws, id) });
    bandits.publish('ws', config.experiments);
    const processor = new Processor({
      log,
      store,
      clock,
      planOf: () => config.profilePlan,
      rulesOf: () => config,
      newProfileId: () => `p${ids++}`,
      bandits,
    });
    await processor.start();
    await bandits.load();
    await processor.catchUp();
    return { processor, bandits };
  };
  const append = async (...events: Partial<OnrampEvent>[]) => {
    const now = clock.now();
    await log.append(
      events.map((fields) => {
        const base = { type: 'track', messageId: `m${serial++}`, timestamp: now, receivedAt: now };
        return { workspaceId: 'ws', event: { ...base, ...fields } as OnrampEvent };
      }),
    );
  };
  return { clock, store, start, append };
}

export const shownBandit = (variant: string, experiment = 'welcome-bandit') => ({
  event: 'Content Shown',
  properties: { placement: 'banner', content: 'welcome', experiment, variant },
});

/** Counts per arm, [trials, rewards], of the global state or one segment's. */
export function countsOf(state: BanditState | undefined, segment?: string) {
  if (state === undefined) return undefined;
  const counts = segment === undefined ? state.global : state.segments.get(segment);
  return Object.fromEntries(
    state.policy.arms.map((arm, i) => [
      arm,
      [counts?.trials[i] ?? 0, counts?.successes[i] ?? 0] as [number, number],
    ]),
  );
}
